import { describe, expect, it } from 'vitest';
import {
  activeStatuses,
  canTransition,
  checkableStatuses,
  expirableStatuses,
  IllegalTransitionError,
  initialStatuses,
  isTerminal,
  isVerificationStatus,
  transition,
  transitionCauses,
  verificationStatuses,
  type TransitionCause,
  type VerificationStatus,
} from '../../src/domain/verification.js';

/** The lifecycle written out once more, by hand: the table in the source must say exactly this. */
const legal = new Set<string>([
  'NEW->PENDING:code-sent',
  'NEW->CHALLENGED:challenged',
  'NEW->BLOCKED:send-refused',
  ...(['PENDING', 'CHALLENGED'] as const).flatMap((from) => [
    `${from}->BLOCKED:send-refused`,
    `${from}->APPROVED:code-approved`,
    `${from}->MAX_ATTEMPTS_REACHED:out-of-checks`,
    `${from}->CANCELED:canceled`,
    `${from}->EXPIRED:expired`,
    `${from}->FAILED:provider-failed`,
  ]),
  'PENDING->CHALLENGED:challenged',
  'CHALLENGED->PENDING:code-sent',
]);

const sources = [null, ...verificationStatuses] as const;
const triples = sources.flatMap((from) =>
  verificationStatuses.flatMap((to) =>
    transitionCauses.map((cause: TransitionCause) => ({
      from,
      to,
      cause,
      allowed: legal.has(`${from ?? 'NEW'}->${to}:${cause}`),
    })),
  ),
);

describe('phone verification lifecycle', () => {
  it('knows exactly the eight statuses of the SDL', () => {
    expect([...verificationStatuses].sort()).toEqual(
      [
        'APPROVED',
        'BLOCKED',
        'CANCELED',
        'CHALLENGED',
        'EXPIRED',
        'FAILED',
        'MAX_ATTEMPTS_REACHED',
        'PENDING',
      ].sort(),
    );
    expect(triples).toHaveLength(9 * 8 * transitionCauses.length);
    expect(triples.filter((t) => t.allowed)).toHaveLength(legal.size);
  });

  it.each(triples.filter((t) => t.allowed))('allows $from -> $to ($cause)', ({ from, to, cause }) => {
    expect(canTransition(from, to, cause)).toBe(true);
    expect(transition(from, to, cause)).toBe(to);
  });

  it.each(triples.filter((t) => !t.allowed))(
    'refuses $from -> $to ($cause) with a typed error',
    ({ from, to, cause }) => {
      expect(canTransition(from, to, cause)).toBe(false);
      let thrown: unknown;
      try {
        transition(from, to, cause);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(IllegalTransitionError);
      expect(thrown).toMatchObject({ from, to, because: cause });
    },
  );

  it('creates verifications PENDING, CHALLENGED or BLOCKED only', () => {
    expect([...initialStatuses].sort()).toEqual(['BLOCKED', 'CHALLENGED', 'PENDING']);
  });

  it('makes every status but PENDING and CHALLENGED terminal, BLOCKED included', () => {
    const terminal = verificationStatuses.filter((status: VerificationStatus) => isTerminal(status));
    expect(terminal.sort()).toEqual(
      ['APPROVED', 'BLOCKED', 'CANCELED', 'EXPIRED', 'FAILED', 'MAX_ATTEMPTS_REACHED'].sort(),
    );
    expect([...activeStatuses].sort()).toEqual(['CHALLENGED', 'PENDING']);
    expect([...expirableStatuses].sort()).toEqual(['CHALLENGED', 'PENDING']);
    expect([...checkableStatuses].sort()).toEqual(['CHALLENGED', 'PENDING']);
  });

  it('recognises status names', () => {
    expect(isVerificationStatus('APPROVED')).toBe(true);
    expect(isVerificationStatus('approved')).toBe(false);
    expect(isVerificationStatus('VERIFIED')).toBe(false);
  });
});
