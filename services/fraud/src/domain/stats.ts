/**
 * fraudStats (docs/fraud.md "Statistics"): the phone service's outcomes and the engine's refusals,
 * per country and time bucket, with the SMS cost the refusals avoided.
 */
export const statsBuckets = ['HOUR', 'DAY'] as const;
export type StatsBucket = (typeof statsBuckets)[number];

/** From the phone events: verifications first seen in the bucket. */
export interface OutcomeCounts {
  countryCode: string;
  bucketStart: Date | null;
  started: number;
  sent: number;
  verified: number;
  blocked: number;
  /** Verifications that sent at least one message (the conversion rate's denominator). */
  sentVerifications: number;
}

/** From the assessments: what the engine refused in the bucket. */
export interface RefusalCounts {
  countryCode: string;
  bucketStart: Date | null;
  challenged: number;
  /** Sends refused and not let through later for the same verification: messages never paid for. */
  refused: number;
}

export interface CountryStats {
  countryCode: string;
  bucketStart: Date | null;
  started: number;
  sent: number;
  verified: number;
  blocked: number;
  challenged: number;
  conversionRate: number | null;
  costAvoidedUsd: number;
}

/** USD per SMS by country, with a price for every other country. */
export interface PriceTable {
  prices: Record<string, number>;
  otherwise: number;
}

export const priceOf = (table: PriceTable, countryCode: string): number =>
  table.prices[countryCode] ?? table.otherwise;

/** Joins both sides by (country, bucket), ordered by country then bucket. */
export function mergeStats(
  outcomes: readonly OutcomeCounts[],
  refusals: readonly RefusalCounts[],
  prices: PriceTable,
): CountryStats[] {
  const rows = new Map<string, CountryStats & { sentVerifications: number }>();
  const keyOf = (countryCode: string, bucketStart: Date | null) =>
    `${countryCode}|${bucketStart?.toISOString() ?? ''}`;
  const row = (countryCode: string, bucketStart: Date | null) => {
    const key = keyOf(countryCode, bucketStart);
    let found = rows.get(key);
    if (!found) {
      found = {
        countryCode,
        bucketStart,
        started: 0,
        sent: 0,
        verified: 0,
        blocked: 0,
        challenged: 0,
        conversionRate: null,
        costAvoidedUsd: 0,
        sentVerifications: 0,
      };
      rows.set(key, found);
    }
    return found;
  };
  for (const o of outcomes) {
    const r = row(o.countryCode, o.bucketStart);
    r.started += o.started;
    r.sent += o.sent;
    r.verified += o.verified;
    r.blocked += o.blocked;
    r.sentVerifications += o.sentVerifications;
  }
  for (const f of refusals) {
    const r = row(f.countryCode, f.bucketStart);
    r.challenged += f.challenged;
    r.costAvoidedUsd += f.refused * priceOf(prices, f.countryCode);
  }
  return [...rows.values()]
    .map(({ sentVerifications, ...stats }) => ({
      ...stats,
      conversionRate: sentVerifications === 0 ? null : stats.verified / sentVerifications,
      costAvoidedUsd: Math.round(stats.costAvoidedUsd * 10_000) / 10_000,
    }))
    .sort(
      (a, b) =>
        a.countryCode.localeCompare(b.countryCode) ||
        (a.bucketStart?.getTime() ?? 0) - (b.bucketStart?.getTime() ?? 0),
    );
}
