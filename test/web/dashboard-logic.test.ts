import { describe, expect, it } from 'vitest';
import type { InquiryRowFragment } from '../../web/src/graphql/generated.js';
import { liveRows } from '../../web/src/dashboard/live.js';
import { formOf, inputOf } from '../../web/src/dashboard/policy-form.js';
import { rulesFiredFirst } from '../../web/src/dashboard/format.js';
import { bucketFor, costAvoided, seriesOf } from '../../web/src/dashboard/stats-series.js';

const row = (id: string, status: InquiryRowFragment['status'], createdAt: string): InquiryRowFragment => ({
  id,
  referenceId: `ref-${id}`,
  status,
  createdAt,
  decidedAt: null,
  template: { id: 't', name: 'T' },
});

describe('liveRows', () => {
  const fetched = [row('b', 'PENDING', '2026-11-01T10:02:00Z'), row('a', 'CREATED', '2026-11-01T10:01:00Z')];

  it('updates a listed inquiry in place and puts a new one first', () => {
    const updates = new Map([
      ['a', row('a', 'APPROVED', '2026-11-01T10:01:00Z')],
      ['c', row('c', 'CREATED', '2026-11-01T10:03:00Z')],
    ]);
    const rows = liveRows(fetched, updates, { status: null, referenceId: null });
    expect(rows.map((r) => `${r.id}:${r.status}`)).toEqual(['c:CREATED', 'b:PENDING', 'a:APPROVED']);
  });

  it('leaves out what no longer matches the filter, and new inquiries of other statuses or references', () => {
    const updates = new Map([
      ['b', row('b', 'APPROVED', '2026-11-01T10:02:00Z')],
      ['c', row('c', 'CREATED', '2026-11-01T10:03:00Z')],
    ]);
    expect(liveRows(fetched, updates, { status: 'PENDING', referenceId: null })).toEqual([]);
    expect(liveRows(fetched, updates, { status: null, referenceId: 'ref-c' }).map((r) => r.id)).toEqual([
      'c',
    ]);
  });
});

describe('the policy form', () => {
  const policy = {
    mode: 'ENFORCE' as const,
    blockLineTypes: ['premium'],
    callLineTypes: [],
    maxSmsPerDay: null,
    challengeAt: 60,
    blockAt: 90,
    challengeAcceptsCall: false,
    countries: [{ countryCode: 'UZ', smsAllowed: false, maxPerHour: 0 }],
  };

  it('gives back the whole policy it was made from', () => {
    expect(inputOf(formOf(policy))).toEqual(policy);
  });

  it('names the field the API would refuse, as the API names it', () => {
    const form = formOf(policy);
    expect(inputOf({ ...form, maxSmsPerDay: '-1' })).toMatchObject({ field: 'input.maxSmsPerDay' });
    expect(inputOf({ ...form, blockAt: '101' })).toMatchObject({ field: 'input.blockAt' });
    expect(inputOf({ ...form, challengeAt: '' })).toMatchObject({ field: 'input.challengeAt' });
    // The API refuses a challenge score at or above the block score: so does the form, before sending.
    expect(inputOf({ ...form, challengeAt: '90' })).toMatchObject({ field: 'input.challengeAt' });
    expect(inputOf({ ...form, challengeAt: '89' })).toMatchObject({ challengeAt: 89, blockAt: 90 });
    const twice = { ...form, countries: [...form.countries, { ...form.countries[0]!, key: 9 }] };
    expect(inputOf(twice)).toMatchObject({ field: 'input.countries[1].countryCode' });
    const fractional = { ...form, countries: [{ ...form.countries[0]!, maxPerHour: '1.5' }] };
    expect(inputOf(fractional)).toMatchObject({ field: 'input.countries[0].maxPerHour' });
  });
});

describe('the fraud charts and the rules table', () => {
  const stats = (countryCode: string, bucketStart: string, sent: number, verified: number) => ({
    countryCode,
    bucketStart,
    started: sent,
    sent,
    verified,
    blocked: 0,
    challenged: 0,
    conversionRate: sent === 0 ? null : verified / sent,
    costAvoidedUsd: 0.05,
  });

  it('draws a line per country over every bucket, 0 where a country had nothing and no rate without sends', () => {
    const rows = [
      stats('US', '2026-11-01T11:00:00.000Z', 4, 3),
      stats('GB', '2026-11-01T10:00:00.000Z', 2, 2),
      stats('US', '2026-11-01T10:00:00.000Z', 1, 1),
    ];
    expect(seriesOf(rows, 'sent')).toEqual({
      buckets: ['2026-11-01T10:00:00.000Z', '2026-11-01T11:00:00.000Z'],
      countries: [
        { countryCode: 'GB', values: [2, 0] },
        { countryCode: 'US', values: [1, 4] },
      ],
    });
    expect(seriesOf(rows, 'conversionRate').countries[0]).toEqual({ countryCode: 'GB', values: [1, null] });
    expect(costAvoided(rows)).toBeCloseTo(0.15);
    expect(bucketFor(24)).toBe('HOUR');
    expect(bucketFor(24 * 7)).toBe('DAY');
  });

  it('puts the rules that fired first, each group in the order the engine evaluated them', () => {
    const rules = [
      { rule: 'A', fired: false },
      { rule: 'B', fired: true },
      { rule: 'C', fired: false },
      { rule: 'D', fired: true },
    ];
    expect(rulesFiredFirst(rules).map((r) => r.rule)).toEqual(['B', 'D', 'A', 'C']);
  });
});
