import type { Logger } from '@attestor/platform';
import { TwilioProviderError, type LookupProvider, type LookupResult } from '@attestor/twilio';
import type { NumberFacts } from '../domain/rules.js';
import type { StoredAssessmentDetails } from '../store/entities.js';
import type { LookupCache } from '../store/lookups.js';

export type FactsSource = StoredAssessmentDetails['lookup'];

export function numberFactsOf(result: LookupResult): NumberFacts {
  return {
    valid: result.valid,
    countryCode: result.countryCode,
    lineType: result.lineType?.type ?? null,
    smsPumpingRiskScore: result.smsPumpingRisk?.score ?? null,
    carrierRiskCategory: result.smsPumpingRisk?.carrierRiskCategory ?? null,
    numberBlocked: result.smsPumpingRisk?.numberBlocked === true,
  };
}

/**
 * What Lookup knows about a number (sms_pumping_risk + line_type_intelligence), through the cache.
 * A Lookup the provider could not answer (TwilioProviderError: a Twilio error, a timeout, no
 * connection) answers null: the rules decide without it (docs/fraud.md "Lookup unavailable"). Any
 * other error is a bug and propagates.
 */
export class NumberFactsReader {
  constructor(
    private readonly provider: LookupProvider,
    private readonly cache: LookupCache,
    private readonly cacheHours: number,
    private readonly logger: Logger,
  ) {}

  async read(
    phoneNumber: string,
    phoneHash: string,
  ): Promise<{ facts: NumberFacts | null; source: FactsSource }> {
    if (this.cacheHours > 0) {
      const cached = await this.cache.fresh(this.cache.reader, phoneHash, this.cacheHours);
      if (cached) return { facts: cached, source: 'CACHE' };
    }
    let facts: NumberFacts;
    try {
      facts = numberFactsOf(
        await this.provider.lookup(phoneNumber, { fields: ['sms_pumping_risk', 'line_type_intelligence'] }),
      );
    } catch (error) {
      if (!(error instanceof TwilioProviderError)) throw error;
      const { twilioCode, httpStatus } = error;
      this.logger.warn(
        { twilioCode, httpStatus, retryable: error.retryable },
        'lookup failed; assessing without it',
      );
      return { facts: null, source: 'UNAVAILABLE' };
    }
    if (this.cacheHours > 0) await this.cache.store(this.cache.reader, phoneHash, facts);
    return { facts, source: 'LOOKUP' };
  }
}
