import type { Caller, Logger } from '@attestor/platform';

/** The gateway's per-request context: who is calling, established before execution. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  ip: string | null;
  logger: Logger;
}
