export * from './config.js';
export * from './clock.js';
export * from './loop.js';
export * from './periodic.js';
export * from './metrics.js';
export * from './tracing.js';
export * from './logger.js';
export * from './request-scope.js';
export * from './errors.js';
export * from './pii.js';
export * from './caller.js';
export * from './access.js';
export * from './connection-loss.js';
export * from './db.js';
export * from './prepared-client.js';
export * from './sql.js';
export * from './store.js';
export * from './recent-map.js';
export * from './scalars.js';
export * from './input-hygiene.js';
export * from './service.js';
export * from './http/io.js';
export * from './http/server.js';
export * from './http/metrics-endpoint.js';
export { NatsBus, STALE_DETECTION_MS, streamSubjects } from './bus/nats.js';
export { Outbox, type InsertBatch, type Transaction, type TransactionOptions } from './bus/outbox.js';
export { OutboxRelay } from './bus/relay.js';
export {
  DurableConsumer,
  orderingKeyOf,
  retryDelay,
  applyOnly,
  twoPhase,
  type ConsumerOptions,
  type ConsumerSpec,
  type EventHandler,
  type EventHandlers,
  type HandlerContext,
  type ParkedEvent,
} from './bus/consumer.js';
export { request, respond, RpcTimeoutError } from './bus/rpc.js';
export { responder } from './workers.js';
export { withTimeout } from './timeout.js';
