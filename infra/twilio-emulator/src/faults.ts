import { z } from 'zod';

/** The emulated operations, by Twilio's operationId, and the groups a fault may aim at. */
export const OPERATIONS = [
  'CreateVerification',
  'FetchVerification',
  'UpdateVerification',
  'CreateVerificationCheck',
  'ListVerificationAttempt',
  'FetchPhoneNumber',
] as const;
export type Operation = (typeof OPERATIONS)[number];

const TARGETS = [...OPERATIONS, 'verify', 'lookup', 'any'] as const;
export type FaultTarget = (typeof TARGETS)[number];

const VERIFY_OPERATIONS: ReadonlySet<Operation> = new Set([
  'CreateVerification',
  'FetchVerification',
  'UpdateVerification',
  'CreateVerificationCheck',
  'ListVerificationAttempt',
]);

export const MAX_FAULTS = 100;

/**
 * The body of `POST /faults`: the next `times` requests of `operation` are answered late (`delayMs`),
 * with an error (`status`, Twilio `code`, `message`) instead of their real answer, or both. A request
 * answered with an error changes nothing (Twilio never got it, as far as state goes); one only delayed
 * is then served as usual.
 */
export const faultSchema = z
  .object({
    operation: z.enum(TARGETS).default('any'),
    times: z.number().int().min(1).max(10_000).default(1),
    status: z.number().int().min(400).max(599).optional(),
    code: z.number().int().min(0).max(99_999).optional(),
    message: z.string().min(1).max(500).optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
  })
  .strict()
  .refine((fault) => fault.status !== undefined || fault.delayMs !== undefined, {
    message: 'a fault needs a status, a delayMs, or both',
    path: ['status'],
  });
export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.infer<typeof faultSchema>;

export interface ArmedFault extends Fault {
  id: number;
  /** Requests it still applies to. */
  remaining: number;
}

/** Faults armed by tests, applied in the order they were armed, each to its next `times` requests. */
export class FaultBook {
  readonly #faults: ArmedFault[] = [];
  #nextId = 1;

  arm(fault: Fault): ArmedFault {
    const armed = { ...fault, id: this.#nextId++, remaining: fault.times };
    this.#faults.push(armed);
    if (this.#faults.length > MAX_FAULTS) this.#faults.shift();
    return armed;
  }

  /** The fault for this request, counted as used; undefined when none applies. */
  take(operation: Operation): ArmedFault | undefined {
    const index = this.#faults.findIndex((fault) => applies(fault.operation, operation));
    if (index < 0) return undefined;
    const fault = this.#faults[index] as ArmedFault;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  list(): ArmedFault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.#faults.length = 0;
  }
}

function applies(target: FaultTarget, operation: Operation): boolean {
  if (target === 'any' || target === operation) return true;
  if (target === 'verify') return VERIFY_OPERATIONS.has(operation);
  return target === 'lookup' && operation === 'FetchPhoneNumber';
}
