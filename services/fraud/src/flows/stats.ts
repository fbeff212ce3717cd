import { badInput } from '@attestor/platform';
import { mergeStats, type CountryStats, type PriceTable, type StatsBucket } from '../domain/stats.js';
import type { AssessmentStore } from '../store/assessments.js';
import type { OutcomeStore } from '../store/outcomes.js';

/** The earliest and latest `since` fraudStats accepts (PostgreSQL and JavaScript both hold these). */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/** fraudStats: outcomes from the phone events and refusals from the assessments, per country and bucket. */
export class FraudStats {
  constructor(
    private readonly deps: { outcomes: OutcomeStore; assessments: AssessmentStore; prices: PriceTable },
  ) {}

  async of(accountId: string, since: Date | null, bucket: StatsBucket | null): Promise<CountryStats[]> {
    if (
      since !== null &&
      (Number.isNaN(since.getTime()) || since.getTime() < EARLIEST || since.getTime() > LATEST)
    ) {
      throw badInput('since must be a date-time between 2000-01-01 and 9999-12-31', 'since');
    }
    const { outcomes, assessments, prices } = this.deps;
    const [counts, refusals] = await Promise.all([
      outcomes.counts(outcomes.reader, accountId, since, bucket),
      assessments.refusals(assessments.reader, accountId, since, bucket),
    ]);
    return mergeStats(
      counts,
      refusals.filter((r) => r.countryCode !== ''),
      prices,
    );
  }
}
