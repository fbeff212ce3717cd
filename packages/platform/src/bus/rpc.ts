import { headers as natsHeaders, type Msg, type Subscription } from 'nats';
import type { Logger } from 'pino';
import {
  rpcCatalog,
  rpcResponseSchema,
  rpcSubject,
  type RpcReply,
  type RpcReplyInput,
  type RpcRequest,
  type RpcRequestInput,
  type RpcSubject,
} from '@attestor/contracts';
import { AppError, ErrorCode, isErrorCode } from '../errors.js';
import type { NatsBus } from './nats.js';
import { currentRequestId, inTransaction, withRequestId } from '../request-scope.js';
import { contextFromHeaders, inSpan, SpanKind, traceHeaders } from '../tracing.js';

/** The responder did not answer in time (or nobody listens): callers choose their fail mode. */
export class RpcTimeoutError extends Error {
  constructor(readonly subject: string) {
    super(`no reply on ${subject} in time`);
    this.name = 'RpcTimeoutError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Asks another service synchronously over NATS request-reply; typed by the rpc catalog. */
export async function request<S extends RpcSubject>(
  bus: NatsBus,
  subject: S,
  body: RpcRequestInput<S>,
  options: { timeoutMs: number; requestId?: string | null | undefined },
): Promise<RpcReply<S>> {
  if (inTransaction()) {
    throw new Error(
      `rpc ${subject} asked inside a database transaction: ask before it (a handler's gather phase)`,
    );
  }
  const started = process.hrtime.bigint();
  const observe = (outcome: 'ok' | 'error' | 'timeout') =>
    bus.rpcObserver?.observe(subject, outcome, Number(process.hrtime.bigint() - started) / 1e9);
  return inSpan(`rpc ${subject}`, { kind: SpanKind.CLIENT }, async () => {
    const h = natsHeaders();
    const requestId = options.requestId ?? currentRequestId();
    if (requestId) h.set('Attestor-Request-Id', requestId);
    for (const [name, value] of Object.entries(traceHeaders())) h.set(name, value);
    let reply: Msg;
    try {
      reply = await bus.connection.request(
        rpcSubject(bus.namespace, subject),
        encoder.encode(JSON.stringify(body)),
        {
          timeout: options.timeoutMs,
          headers: h,
        },
      );
    } catch (error) {
      const text = String(error);
      if (text.includes('TIMEOUT') || text.includes('503') || text.includes('no responders')) {
        observe('timeout');
        throw new RpcTimeoutError(subject);
      }
      observe('error');
      throw error;
    }
    const response = rpcResponseSchema.parse(JSON.parse(decoder.decode(reply.data)));
    if (!response.ok) {
      observe('error');
      const code = isErrorCode(response.error.code) ? response.error.code : ErrorCode.INTERNAL;
      throw new AppError(code, response.error.message);
    }
    observe('ok');
    return rpcCatalog[subject].reply.parse(response.data) as RpcReply<S>;
  });
}

/**
 * Answers one rpc subject in a queue group (one instance of the service answers each ask). A handler's
 * AppError travels back with its code; anything else is logged and answered INTERNAL.
 */
export function respond<S extends RpcSubject>(
  bus: NatsBus,
  subject: S,
  queue: string,
  logger: Logger,
  handler: (body: RpcRequest<S>, meta: { requestId: string | null }) => Promise<RpcReplyInput<S>>,
): Subscription {
  const send = (msg: Msg, payload: unknown) => msg.respond(encoder.encode(JSON.stringify(payload)));
  return bus.connection.subscribe(rpcSubject(bus.namespace, subject), {
    queue,
    callback: (error, msg) => {
      if (error) {
        logger.error({ err: error, subject }, 'rpc subscription error');
        return;
      }
      const requestId = msg.headers?.get('Attestor-Request-Id') || null;
      void (async () => {
        let body: RpcRequest<S>;
        try {
          body = rpcCatalog[subject].request.parse(JSON.parse(decoder.decode(msg.data))) as RpcRequest<S>;
        } catch {
          send(msg, {
            ok: false,
            error: { code: ErrorCode.BAD_USER_INPUT, message: `malformed ${subject} request` },
          });
          return;
        }
        try {
          const traceparent = msg.headers?.get('traceparent');
          const data = await inSpan(
            `answer ${subject}`,
            { kind: SpanKind.SERVER, parent: contextFromHeaders(traceparent ? { traceparent } : {}) },
            () => withRequestId(requestId, () => handler(body, { requestId })),
          );
          send(msg, { ok: true, data });
        } catch (failure) {
          if (failure instanceof AppError) {
            send(msg, { ok: false, error: { code: failure.code, message: failure.message } });
          } else {
            logger.error({ err: failure, subject, requestId }, 'rpc handler failed');
            send(msg, { ok: false, error: { code: ErrorCode.INTERNAL, message: 'Internal error' } });
          }
        }
      })();
    },
  });
}
