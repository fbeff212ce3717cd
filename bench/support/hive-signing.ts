import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError } from 'graphql';
import {
  AppError,
  contextHeaders,
  encodeClaims,
  ErrorCode,
  signEncodedClaims,
  type Caller,
} from '@attestor/platform';
import type { Authenticator } from '../../services/gateway/src/auth.js';
import { sharingIdentity } from '../../services/gateway/src/shared-fetches.js';

/** Carries the caller's identity into Hive's in-flight key (its headers are part of it); never sent. */
const identityHeader = 'x-attestor-identity';

interface SignedContext {
  attestorCaller: Caller;
  attestorRequestId: string;
  attestorIp: string | null;
}

/**
 * Hive Gateway speaking to our subgraphs as our gateway does: the caller resolved by the same
 * Authenticator (API key over NATS and its cache, session token, admin token), and every subgraph
 * request signed by the platform's signEncodedClaims with a fresh nonce, just before it leaves.
 * Hive's in-flight deduplication keys on the URL, the body and the headers an executor sets: the
 * identity header (set per subgraph call, before that key is made) keeps callers apart, and the
 * signature (set in onFetch, after it) does not stop identical queries of one caller from sharing —
 * the same semantics as our GATEWAY_DEDUP.
 */
export function attestorSigning(authenticator: Authenticator, secret: string): GatewayPlugin<SignedContext> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const request = (context as { request: Request }).request;
      const requestId = randomUUID();
      let caller: Caller;
      try {
        caller = await authenticator.authenticate(
          request.headers.get('authorization') ?? undefined,
          requestId,
        );
      } catch (error) {
        if (error instanceof AppError)
          throw new GraphQLError(error.message, { extensions: { code: error.code } });
        throw new GraphQLError('Authentication is unavailable', { extensions: { code: ErrorCode.INTERNAL } });
      }
      const req = (context as { req?: IncomingMessage }).req;
      extendContext({
        attestorCaller: caller,
        attestorRequestId: requestId,
        attestorIp: req?.socket.remoteAddress ?? null,
      });
    },
    onSubgraphExecute({ executionRequest }) {
      const context = executionRequest.context as Partial<SignedContext> | undefined;
      if (!context?.attestorCaller) return;
      const extensions = (executionRequest.extensions ??= {});
      extensions['headers'] = {
        ...(extensions['headers'] as Record<string, string> | undefined),
        [identityHeader]: sharingIdentity(context.attestorCaller, context.attestorIp ?? null),
      };
    },
    onFetch({ options, context }) {
      const signed = context as Partial<SignedContext>;
      const headers = { ...(options.headers as Record<string, string> | undefined) };
      delete headers[identityHeader];
      if (signed.attestorCaller) {
        const body = typeof options.body === 'string' ? options.body : '';
        const claims = encodeClaims({
          caller: signed.attestorCaller,
          requestId: signed.attestorRequestId ?? randomUUID(),
          ip: signed.attestorIp ?? null,
        });
        Object.assign(headers, signEncodedClaims(secret, claims, body));
        headers[contextHeaders.requestId] = signed.attestorRequestId ?? '';
      }
      options.headers = headers;
    },
  };
}
