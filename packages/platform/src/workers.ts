import type { Subscription } from 'nats';
import type { Logger } from 'pino';
import type { RpcReplyInput, RpcRequest, RpcSubject } from '@attestor/contracts';
import { respond } from './bus/rpc.js';
import type { NatsBus } from './bus/nats.js';
import type { Worker } from './service.js';

/** An rpc responder as a Worker: subscribed at start, drained at stop. */
export function responder<S extends RpcSubject>(
  bus: NatsBus,
  subject: S,
  queue: string,
  logger: Logger,
  handler: (body: RpcRequest<S>, meta: { requestId: string | null }) => Promise<RpcReplyInput<S>>,
): Worker {
  let subscription: Subscription | undefined;
  return {
    name: `rpc ${subject}`,
    start() {
      subscription = respond(bus, subject, queue, logger, handler);
    },
    async stop() {
      await subscription?.drain();
    },
  };
}
