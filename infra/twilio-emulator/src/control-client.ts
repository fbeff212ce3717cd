import type { FaultInput } from './faults.js';
import type { NumberSeed } from './numbers.js';
import type { OutboxMessage } from './outbox.js';

/**
 * The emulator's control endpoints (never Twilio's) from a test or a script: seed a number, read the
 * codes "sent", move the clock. Requests go over HTTP, so it works on an emulator in another process.
 */
export interface EmulatorControl {
  seed(number: NumberSeed): Promise<void>;
  /** Messages sent to `to`, newest first. */
  outbox(to: string): Promise<OutboxMessage[]>;
  /** The newest code sent to `to`; throws when none was. */
  latestCode(to: string): Promise<string>;
  advanceClock(seconds: number): Promise<void>;
  /** Arms a fault: the next `times` requests of `operation` answer `status`/`code`, or late (`delayMs`). */
  fault(fault: FaultInput): Promise<void>;
  /** Disarms every fault not used up yet. */
  clearFaults(): Promise<void>;
}

export function emulatorControl(baseUrl: string): EmulatorControl {
  const post = async (path: string, body: unknown, expected: number) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== expected) {
      throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
    }
  };
  const outbox = async (to: string) => {
    const response = await fetch(`${baseUrl}/outbox?to=${encodeURIComponent(to)}`);
    if (!response.ok) throw new Error(`emulator /outbox: ${response.status} ${await response.text()}`);
    return (await response.json()) as OutboxMessage[];
  };
  return {
    seed: (number) => post('/numbers', number, 201),
    outbox,
    latestCode: async (to) => {
      const [newest] = await outbox(to);
      if (!newest) throw new Error(`no code was sent to ${to}`);
      return newest.code;
    },
    advanceClock: (seconds) => post('/clock', { advanceSeconds: seconds }, 200),
    fault: (fault) => post('/faults', fault, 201),
    clearFaults: () => post('/faults/clear', {}, 204),
  };
}
