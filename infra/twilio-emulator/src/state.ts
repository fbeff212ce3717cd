import { Clock } from './clock.js';
import { FaultBook } from './faults.js';
import { NumberDirectory } from './numbers.js';
import type { NumberSeed } from './numbers.js';
import { Outbox } from './outbox.js';
import { VerifyService } from './verifications.js';

export const OUTBOX_CAPACITY = 1000;

/** Everything the emulator remembers; all of it in memory and all of it bounded. */
export interface EmulatorState {
  readonly clock: Clock;
  readonly outbox: Outbox;
  readonly numbers: NumberDirectory;
  readonly verify: VerifyService;
  /** Errors and delays tests arm for the next requests (`POST /faults`). */
  readonly faults: FaultBook;
  /** Back to the state at start: fixtures only, no verifications, no messages, no faults, the clock at wall time. */
  reset(): void;
}

export function createEmulatorState(options: {
  verifyServiceSid: string;
  fixtures: readonly NumberSeed[];
  newCode?: () => string;
  outboxCapacity?: number;
}): EmulatorState {
  const clock = new Clock();
  const outbox = new Outbox(options.outboxCapacity ?? OUTBOX_CAPACITY);
  const numbers = new NumberDirectory(options.fixtures, () => clock.now());
  const verify = new VerifyService(options.verifyServiceSid, {
    clock,
    outbox,
    numbers,
    ...(options.newCode && { newCode: options.newCode }),
  });
  const faults = new FaultBook();
  return {
    clock,
    outbox,
    numbers,
    verify,
    faults,
    reset() {
      faults.clear();
      clock.reset();
      outbox.clear();
      verify.reset();
      numbers.reset();
    },
  };
}
