import { responder, type Logger, type NatsBus, type Worker } from '@attestor/platform';
import type { Assessor } from './flows/assess.js';

/**
 * The asks the fraud service answers: `rpc.fraud.assess` (phone → fraud, before any send), in the
 * queue group `fraud` so one instance answers each ask. It asks nothing of other services.
 */
export function fraudResponders(bus: NatsBus, logger: Logger, assessor: Assessor): Worker[] {
  return [responder(bus, 'rpc.fraud.assess', 'fraud', logger, (body, meta) => assessor.assess(body, meta))];
}
