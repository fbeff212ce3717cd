import { describe, expect, it } from 'vitest';
import {
  canTransition,
  IllegalTransitionError,
  initialStatuses,
  isTerminal,
  isVerificationStatus,
  transition,
  verificationStatuses,
  type VerificationStatus,
} from '../../src/domain/verification.js';

/** The lifecycle written out once more, by hand: the table in the source must say exactly this. */
const legal = new Set<string>([
  'PENDING->APPROVED',
  'PENDING->CANCELED',
  'PENDING->MAX_ATTEMPTS_REACHED',
  'PENDING->EXPIRED',
  'PENDING->FAILED',
]);

const pairs = verificationStatuses.flatMap((from) =>
  verificationStatuses.map((to) => ({ from, to, allowed: legal.has(`${from}->${to}`) })),
);

describe('phone verification lifecycle', () => {
  it('knows exactly the seven statuses of the SDL', () => {
    expect([...verificationStatuses].sort()).toEqual(
      ['APPROVED', 'BLOCKED', 'CANCELED', 'EXPIRED', 'FAILED', 'MAX_ATTEMPTS_REACHED', 'PENDING'].sort(),
    );
    expect(pairs).toHaveLength(49);
  });

  it.each(pairs.filter((p) => p.allowed))('allows $from -> $to', ({ from, to }) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transition(from, to)).toBe(to);
  });

  it.each(pairs.filter((p) => !p.allowed))('refuses $from -> $to with a typed error', ({ from, to }) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      transition(from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toMatchObject({ from, to });
  });

  it('creates verifications PENDING or BLOCKED only', () => {
    expect([...initialStatuses].sort()).toEqual(['BLOCKED', 'PENDING']);
  });

  it('makes every status but PENDING terminal, BLOCKED included', () => {
    const terminal = verificationStatuses.filter((status: VerificationStatus) => isTerminal(status));
    expect(terminal.sort()).toEqual(
      ['APPROVED', 'BLOCKED', 'CANCELED', 'EXPIRED', 'FAILED', 'MAX_ATTEMPTS_REACHED'].sort(),
    );
    expect(isTerminal('PENDING')).toBe(false);
  });

  it('recognises status names', () => {
    expect(isVerificationStatus('APPROVED')).toBe(true);
    expect(isVerificationStatus('approved')).toBe(false);
    expect(isVerificationStatus('VERIFIED')).toBe(false);
  });
});
