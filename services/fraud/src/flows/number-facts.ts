import type { Clock, Logger } from '@attestor/platform';
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

export interface NumberFactsOptions {
  cacheHours: number;
  /** How long a claim to ask Lookup lasts: the provider's timeout and a margin. */
  claimMs: number;
  /** How often a waiting ask looks whether the claiming instance has stored its answer. */
  pollMs?: number;
  clock: Clock;
}

/**
 * What Lookup knows about a number (sms_pumping_risk + line_type_intelligence), through the cache:
 * one Lookup per number per TTL, also when asks come together — the asks of one instance share one
 * call (single flight), and across instances a claim row in the cache lets one ask while the others
 * wait for its answer. A Lookup the provider could not answer (TwilioProviderError: a Twilio error, a
 * timeout, no connection) answers null: the rules decide without it (docs/fraud.md "When Lookup is
 * unavailable"). Any other error is a bug and propagates. No transaction is held across the call.
 */
export class NumberFactsReader {
  private readonly inFlight = new Map<string, Promise<{ facts: NumberFacts | null; source: FactsSource }>>();
  private readonly options: Required<NumberFactsOptions>;

  constructor(
    private readonly provider: LookupProvider,
    private readonly cache: LookupCache,
    options: NumberFactsOptions,
    private readonly logger: Logger,
  ) {
    this.options = { pollMs: 20, ...options };
  }

  read(phoneNumber: string, phoneHash: string): Promise<{ facts: NumberFacts | null; source: FactsSource }> {
    if (this.options.cacheHours === 0) return this.lookup(phoneNumber);
    const running = this.inFlight.get(phoneHash);
    if (running) return running.then((r) => (r.source === 'LOOKUP' ? { ...r, source: 'CACHE' } : r));
    const read = this.readShared(phoneNumber, phoneHash).finally(() => this.inFlight.delete(phoneHash));
    this.inFlight.set(phoneHash, read);
    return read;
  }

  private async readShared(
    phoneNumber: string,
    phoneHash: string,
  ): Promise<{ facts: NumberFacts | null; source: FactsSource }> {
    const { clock, cacheHours, claimMs, pollMs } = this.options;
    const db = this.cache.reader;
    const deadline = Date.now() + claimMs * 2;
    for (;;) {
      const now = clock.now();
      const freshAfter = new Date(now.getTime() - cacheHours * 3_600_000);
      const cached = await this.cache.fresh(db, phoneHash, freshAfter);
      if (cached) return { facts: cached, source: 'CACHE' };
      if (await this.cache.claim(db, phoneHash, freshAfter, now, new Date(now.getTime() + claimMs))) {
        const answer = await this.lookup(phoneNumber);
        if (answer.facts) await this.cache.store(db, phoneHash, answer.facts, clock.now());
        else await this.cache.release(db, phoneHash);
        return answer;
      }
      // Another instance is asking Lookup about this number: wait for its answer.
      if (Date.now() > deadline) return { facts: null, source: 'UNAVAILABLE' };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private async lookup(phoneNumber: string): Promise<{ facts: NumberFacts | null; source: FactsSource }> {
    try {
      const result = await this.provider.lookup(phoneNumber, {
        fields: ['sms_pumping_risk', 'line_type_intelligence'],
      });
      return { facts: numberFactsOf(result), source: 'LOOKUP' };
    } catch (error) {
      if (!(error instanceof TwilioProviderError)) throw error;
      const { twilioCode, httpStatus } = error;
      this.logger.warn(
        { twilioCode, httpStatus, retryable: error.retryable },
        'lookup failed; assessing without it',
      );
      return { facts: null, source: 'UNAVAILABLE' };
    }
  }
}
