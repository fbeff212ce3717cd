import type { CountryStatsDetailFragment } from '../graphql/generated.js';

/** What the chart over time can show, as fraudStats names it. */
export const metrics = [
  { key: 'sent', label: 'Messages sent' },
  { key: 'verified', label: 'Verified' },
  { key: 'blocked', label: 'Blocked' },
  { key: 'conversionRate', label: 'Conversion (verified / sent)' },
  { key: 'costAvoidedUsd', label: 'SMS cost avoided (USD)' },
] as const;
export type Metric = (typeof metrics)[number]['key'];

export interface TimeSeries {
  /** The buckets' starts (ISO), oldest first: every bucket any country has. */
  buckets: string[];
  /** One line per country, a value per bucket: 0 where a country had nothing, null for a rate with no sends. */
  countries: Array<{ countryCode: string; values: Array<number | null> }>;
}

/** fraudStats(bucket) rows (one per country and bucket) as a line per country over the buckets. */
export function seriesOf(rows: readonly CountryStatsDetailFragment[], metric: Metric): TimeSeries {
  const buckets = [...new Set(rows.flatMap((row) => (row.bucketStart ? [row.bucketStart] : [])))].sort();
  const codes = [...new Set(rows.map((row) => row.countryCode))].sort();
  return {
    buckets,
    countries: codes.map((countryCode) => ({
      countryCode,
      values: buckets.map((bucket) => {
        const row = rows.find((r) => r.countryCode === countryCode && r.bucketStart === bucket);
        if (row === undefined) return metric === 'conversionRate' ? null : 0;
        return row[metric];
      }),
    })),
  };
}

/** The SMS cost the engine avoided over rows (estimated by the fraud service from its price table). */
export function costAvoided(rows: readonly CountryStatsDetailFragment[]): number {
  return rows.reduce((sum, row) => sum + row.costAvoidedUsd, 0);
}

/** The bucket a period is best drawn in: hours for a day, days beyond. */
export function bucketFor(hours: number): 'HOUR' | 'DAY' {
  return hours <= 48 ? 'HOUR' : 'DAY';
}
