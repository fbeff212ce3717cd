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
    const flight = this.readShared(phoneNumber, phoneHash);
    const answer = flight.then((f) => f.answer);
    this.inFlight.set(phoneHash, answer);
    // Until the answer is in the shared cache, this instance's next ask shares it rather than finding
    // its own claim and waiting.
    void flight
      .then(
        (f) => f.kept,
        () => undefined,
      )
      .finally(() => this.inFlight.delete(phoneHash));
    return answer;
  }

  /**
   * The answer, and the write that keeps it in the cache: the ask does not wait for that write (a
   * round trip off every first assessment of a number). Until it lands the claim stands, so another
   * instance waits for it rather than asking Lookup again.
   */
  private async readShared(
    phoneNumber: string,
    phoneHash: string,
  ): Promise<{ answer: { facts: NumberFacts | null; source: FactsSource }; kept: Promise<void> }> {
    const { clock, cacheHours, claimMs, pollMs } = this.options;
    const db = this.cache.reader;
    const deadline = Date.now() + claimMs * 2;
    const nothingToKeep = Promise.resolve();
    for (;;) {
      const now = clock.now();
      const freshAfter = new Date(now.getTime() - cacheHours * 3_600_000);
      const until = new Date(now.getTime() + claimMs);
      const seen = await this.cache.freshOrClaimNew(db, phoneHash, freshAfter, until);
      if (seen.facts) return { answer: { facts: seen.facts, source: 'CACHE' }, kept: nothingToKeep };
      if (seen.claimed || (await this.cache.claim(db, phoneHash, freshAfter, now, until))) {
        const answer = await this.lookup(phoneNumber);
        return { answer, kept: this.keep(phoneHash, answer.facts) };
      }
      // Another instance is asking Lookup about this number: wait for its answer.
      if (Date.now() > deadline)
        return { answer: { facts: null, source: 'UNAVAILABLE' }, kept: nothingToKeep };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Stores what Lookup answered (or gives the claim up when it could not answer); never throws. */
  private keep(phoneHash: string, facts: NumberFacts | null): Promise<void> {
    const db = this.cache.reader;
    const write = facts
      ? this.cache.store(db, phoneHash, facts, this.options.clock.now())
      : this.cache.release(db, phoneHash);
    return write.catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Lookup answer not cached; its claim runs out on its own');
    });
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
