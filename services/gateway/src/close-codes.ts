import { CloseCode as ProtocolCloseCode } from 'graphql-ws';

/**
 * The websocket close codes the gateway uses, by name: the graphql-ws protocol's own (a refused
 * connection closes with Forbidden, 4403) and the standard ones it sends itself.
 */
export const CloseCode = {
  /** The gateway is shutting down (RFC 6455). */
  GoingAway: 1001,
  /** Too many connections for these credentials, or too fast (RFC 6455; clients retry later). */
  TryAgainLater: 1013,
  /** connection_init was refused: missing, invalid or revoked credentials. */
  Forbidden: ProtocolCloseCode.Forbidden,
  /** No connection_init within the wait timeout. */
  ConnectionInitialisationTimeout: ProtocolCloseCode.ConnectionInitialisationTimeout,
} as const;
