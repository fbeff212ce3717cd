import { responder, type Logger, type NatsBus, type Worker } from '@attestor/platform';
import type { Assessor } from './flows/assess.js';
import type { FraudMetrics } from './flows/metrics.js';

/**
 * The asks the fraud service answers: `rpc.fraud.assess` (phone → fraud, before any send), in the
 * queue group `fraud` so one instance answers each ask. It asks nothing of other services.
 */
export function fraudResponders(
  bus: NatsBus,
  logger: Logger,
  assessor: Assessor,
  metrics: FraudMetrics,
): Worker[] {
  return [
    responder(bus, 'rpc.fraud.assess', 'fraud', logger, async (body, meta) => {
      const started = process.hrtime.bigint();
      const reply = await assessor.assess(body, meta);
      metrics.assessed(reply.decision, Number(process.hrtime.bigint() - started) / 1e9);
      return reply;
    }),
  ];
}
