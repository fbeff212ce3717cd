import { z } from 'zod';
import { twilioTimestamp } from '../clock.js';
import { invalidParameter } from '../errors.js';
import { jsonBody } from '../http.js';
import type { EmulatorRequest, Route } from '../http.js';
import { faultSchema } from '../faults.js';
import { numberSeedSchema } from '../numbers.js';
import type { NumberProfile } from '../numbers.js';
import { isValidE164 } from '../phone-numbers.js';
import type { EmulatorState } from '../state.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_ADVANCE_SECONDS = 366 * 24 * 60 * 60;

const clockSchema = z.object({ advanceSeconds: z.number().positive().max(MAX_ADVANCE_SECONDS) }).strict();

/** Emulator-only endpoints for tests and local development; Twilio has nothing like them. */
export function controlRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/health',
      access: 'open',
      handle: () => ({ status: 200, body: { status: 'ok' } }),
    },
    {
      method: 'POST',
      pattern: '/numbers',
      access: 'open',
      handle(request) {
        const seed = parseJson(request, numberSeedSchema);
        return { status: 201, body: profileJson(state.numbers.seed(seed)) };
      },
    },
    {
      method: 'GET',
      pattern: '/outbox',
      access: 'open',
      handle(request) {
        const to = request.query.get('to');
        if (to !== null && !isValidE164(to) && !EMAIL.test(to)) {
          throw invalidParameter('to', 'not an E.164 phone number or email address');
        }
        return { status: 200, body: state.outbox.list(to ?? undefined) };
      },
    },
    {
      method: 'POST',
      pattern: '/clock',
      access: 'open',
      handle(request) {
        const { advanceSeconds } = parseJson(request, clockSchema);
        return { status: 200, body: { now: twilioTimestamp(state.clock.advance(advanceSeconds)) } };
      },
    },
    {
      method: 'POST',
      pattern: '/faults',
      access: 'open',
      handle(request) {
        return { status: 201, body: state.faults.arm(parseJson(request, faultSchema)) };
      },
    },
    {
      method: 'GET',
      pattern: '/faults',
      access: 'open',
      handle: () => ({ status: 200, body: state.faults.list() }),
    },
    {
      method: 'POST',
      pattern: '/faults/clear',
      access: 'open',
      handle() {
        state.faults.clear();
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: '/reset',
      access: 'open',
      handle() {
        state.reset();
        return { status: 204 };
      },
    },
  ];
}

function parseJson<T>(request: EmulatorRequest, schema: z.ZodType<T>): T {
  const result = schema.safeParse(jsonBody(request));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalidParameter(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
}

function profileJson(profile: NumberProfile): Record<string, unknown> {
  const { blockedAt, ...rest } = profile;
  return { ...rest, blockedAt: blockedAt && twilioTimestamp(blockedAt) };
}
