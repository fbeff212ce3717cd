import { describe, expect, it } from 'vitest';
import {
  inquiryStatuses,
  nameMatchResults,
  type InquiryStatus,
  type NameMatchResult,
} from '@attestor/contracts';
import {
  decide,
  expirableStatuses,
  isLegalTransition,
  soleSourceOf,
  timestampOf,
  transitionCauses,
  transitionsAfterStep,
  type TransitionCause,
} from '../src/domain/lifecycle.js';

/**
 * The lifecycle written out independently of the table in src/domain/lifecycle.ts: every triple
 * (from, to, cause) listed here must be legal, and every other one of the 8 × 8 × 6 must be refused.
 */
const legal: Array<[InquiryStatus, InquiryStatus, TransitionCause]> = [
  ['CREATED', 'PENDING', 'verification-started'],
  ['CREATED', 'FAILED', 'step-failed'],
  ['CREATED', 'EXPIRED', 'expired'],
  ['PENDING', 'COMPLETED', 'steps-completed'],
  ['PENDING', 'FAILED', 'step-failed'],
  ['PENDING', 'EXPIRED', 'expired'],
  ['COMPLETED', 'APPROVED', 'decision-rule'],
  ['COMPLETED', 'NEEDS_REVIEW', 'decision-rule'],
  ['COMPLETED', 'DECLINED', 'decision-rule'],
  ['COMPLETED', 'APPROVED', 'operator-decision'],
  ['COMPLETED', 'DECLINED', 'operator-decision'],
  ['NEEDS_REVIEW', 'APPROVED', 'operator-decision'],
  ['NEEDS_REVIEW', 'DECLINED', 'operator-decision'],
  ['FAILED', 'APPROVED', 'operator-decision'],
  ['FAILED', 'DECLINED', 'operator-decision'],
];
const isListed = (from: InquiryStatus, to: InquiryStatus, cause: TransitionCause) =>
  legal.some(([f, t, c]) => f === from && t === to && c === cause);

const everyTriple = inquiryStatuses.flatMap((from) =>
  inquiryStatuses.flatMap((to) => transitionCauses.map((cause) => [from, to, cause] as const)),
);

describe('inquiry lifecycle table', () => {
  it('covers 8 statuses × 8 statuses × 6 causes', () => {
    expect(everyTriple).toHaveLength(8 * 8 * 6);
  });

  it.each(legal)('allows %s → %s on %s', (from, to, cause) => {
    expect(isLegalTransition(from, to, cause)).toBe(true);
  });

  const illegal = everyTriple.filter(([from, to, cause]) => !isListed(from, to, cause));
  it('lists every other triple as illegal', () => {
    expect(illegal).toHaveLength(8 * 8 * 6 - legal.length);
  });

  it.each(illegal)('refuses %s → %s on %s', (from, to, cause) => {
    expect(isLegalTransition(from, to, cause)).toBe(false);
  });

  it('never leaves EXPIRED, APPROVED or DECLINED, and never returns to CREATED', () => {
    for (const from of ['EXPIRED', 'APPROVED', 'DECLINED'] as const) {
      for (const to of inquiryStatuses)
        for (const cause of transitionCauses) expect(isLegalTransition(from, to, cause)).toBe(false);
    }
    for (const from of inquiryStatuses)
      for (const cause of transitionCauses) expect(isLegalTransition(from, 'CREATED', cause)).toBe(false);
  });

  it('lets the sweeper expire CREATED and PENDING only', () => {
    expect([...expirableStatuses].sort()).toEqual(['CREATED', 'PENDING']);
  });

  it('stamps startedAt, completedAt and decidedAt on the right transitions', () => {
    expect(timestampOf('PENDING')).toBe('startedAt');
    expect(timestampOf('COMPLETED')).toBe('completedAt');
    expect(timestampOf('APPROVED')).toBe('decidedAt');
    expect(timestampOf('DECLINED')).toBe('decidedAt');
    for (const status of ['CREATED', 'FAILED', 'EXPIRED', 'NEEDS_REVIEW'] as const)
      expect(timestampOf(status)).toBeNull();
  });
});

describe('decision rule', () => {
  const withMatch = (autoApproveAt: NameMatchResult) => ({
    steps: ['PHONE_OTP', 'DATABASE_NAME_MATCH'] as const,
    autoApproveAt,
  });
  const matched = (nameMatch: NameMatchResult | null, status: 'COMPLETED' | 'FAILED' = 'COMPLETED') => ({
    done: ['PHONE_OTP', 'DATABASE_NAME_MATCH'] as const,
    identity: { status, nameMatch },
  });

  it('approves on completion when the template has no name match', () => {
    expect(
      decide({ steps: ['PHONE_OTP'], autoApproveAt: 'EXACT_MATCH' }, { done: ['PHONE_OTP'], identity: null })
        .status,
    ).toBe('APPROVED');
  });

  const expected: Record<NameMatchResult, Record<NameMatchResult, string>> = {
    // autoApproveAt → result → decision
    EXACT_MATCH: {
      EXACT_MATCH: 'APPROVED',
      HIGH_PARTIAL_MATCH: 'NEEDS_REVIEW',
      PARTIAL_MATCH: 'NEEDS_REVIEW',
      NO_MATCH: 'DECLINED',
      NO_DATA_AVAILABLE: 'NEEDS_REVIEW',
    },
    HIGH_PARTIAL_MATCH: {
      EXACT_MATCH: 'APPROVED',
      HIGH_PARTIAL_MATCH: 'APPROVED',
      PARTIAL_MATCH: 'NEEDS_REVIEW',
      NO_MATCH: 'DECLINED',
      NO_DATA_AVAILABLE: 'NEEDS_REVIEW',
    },
    PARTIAL_MATCH: {
      EXACT_MATCH: 'APPROVED',
      HIGH_PARTIAL_MATCH: 'APPROVED',
      PARTIAL_MATCH: 'APPROVED',
      NO_MATCH: 'DECLINED',
      NO_DATA_AVAILABLE: 'NEEDS_REVIEW',
    },
    // Unreachable through the API (templates refuse autoApproveAt NO_MATCH), listed for completeness.
    NO_MATCH: {
      EXACT_MATCH: 'APPROVED',
      HIGH_PARTIAL_MATCH: 'APPROVED',
      PARTIAL_MATCH: 'APPROVED',
      NO_MATCH: 'APPROVED',
      NO_DATA_AVAILABLE: 'NEEDS_REVIEW',
    },
    // Unreachable too (templates refuse autoApproveAt NO_DATA_AVAILABLE): no data never passes a threshold.
    NO_DATA_AVAILABLE: {
      EXACT_MATCH: 'APPROVED',
      HIGH_PARTIAL_MATCH: 'APPROVED',
      PARTIAL_MATCH: 'APPROVED',
      NO_MATCH: 'APPROVED',
      NO_DATA_AVAILABLE: 'NEEDS_REVIEW',
    },
  };
  for (const threshold of nameMatchResults) {
    for (const result of nameMatchResults) {
      it(`autoApproveAt ${threshold}, match ${result} → ${expected[threshold][result]}`, () => {
        expect(decide(withMatch(threshold), matched(result)).status).toBe(expected[threshold][result]);
      });
    }
  }

  it("decides NO_DATA_AVAILABLE by the template's whenNoNameData (REVIEW by default)", () => {
    const rule = (whenNoNameData?: 'APPROVE' | 'REVIEW' | 'DECLINE') => ({
      ...withMatch('HIGH_PARTIAL_MATCH'),
      ...(whenNoNameData ? { whenNoNameData } : {}),
    });
    expect(decide(rule(), matched('NO_DATA_AVAILABLE')).status).toBe('NEEDS_REVIEW');
    expect(decide(rule('APPROVE'), matched('NO_DATA_AVAILABLE')).status).toBe('APPROVED');
    expect(decide(rule('REVIEW'), matched('NO_DATA_AVAILABLE')).status).toBe('NEEDS_REVIEW');
    expect(decide(rule('DECLINE'), matched('NO_DATA_AVAILABLE'))).toEqual({
      status: 'DECLINED',
      reason: expect.stringContaining('whenNoNameData DECLINE'),
    });
  });

  it('sends an inquiry without a database record to review', () => {
    const decision = decide(withMatch('HIGH_PARTIAL_MATCH'), matched(null, 'FAILED'));
    expect(decision).toEqual({
      status: 'NEEDS_REVIEW',
      reason: expect.stringContaining('no database record'),
    });
  });

  it('completes and decides only from PENDING with every step done', () => {
    const template = withMatch('HIGH_PARTIAL_MATCH');
    expect(transitionsAfterStep('PENDING', template, { done: ['PHONE_OTP'], identity: null })).toEqual([]);
    expect(transitionsAfterStep('CREATED', template, matched('EXACT_MATCH'))).toEqual([]);
    expect(
      transitionsAfterStep('PENDING', template, matched('EXACT_MATCH')).map((t) => [t.to, t.cause]),
    ).toEqual([
      ['COMPLETED', 'steps-completed'],
      ['APPROVED', 'decision-rule'],
    ]);
    expect(transitionsAfterStep('PENDING', template, matched('NO_MATCH')).map((t) => t.to)).toEqual([
      'COMPLETED',
      'DECLINED',
    ]);
  });
});

describe('the one status a change can come from', () => {
  it('is named where the list above has exactly one, and null where it has several or none', () => {
    for (const to of inquiryStatuses) {
      if (to === 'CREATED') continue;
      for (const cause of transitionCauses) {
        const sources = legal.filter(([, t, c]) => t === to && c === cause).map(([f]) => f);
        expect(soleSourceOf(to, cause), `${to} by ${cause}`).toBe(sources.length === 1 ? sources[0] : null);
      }
    }
    expect(soleSourceOf('PENDING', 'verification-started')).toBe('CREATED');
    expect(soleSourceOf('FAILED', 'step-failed')).toBeNull();
  });
});
