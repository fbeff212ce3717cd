import { describe, expect, it } from 'vitest';
import type { EntityManager } from 'typeorm';
import { createLogger, systemClock } from '@attestor/platform';
import { TwilioProviderError, type LookupProvider } from '@attestor/twilio';
import { NumberFactsReader } from '../src/flows/number-facts.js';
import type { LookupCache } from '../src/store/lookups.js';

const logger = createLogger({ service: 'fraud-test', level: 'silent', format: 'json' });
/** A cache that never holds anything (the reader's provider handling is what is tested here). */
const noCache = { reader: {} as EntityManager, fresh: async () => undefined, store: async () => undefined };

function readerWith(lookup: LookupProvider['lookup']) {
  return new NumberFactsReader(
    { lookup },
    noCache as unknown as LookupCache,
    { cacheHours: 0, claimMs: 1000, clock: systemClock },
    logger,
  );
}

describe('number facts when Lookup fails', () => {
  it('answers UNAVAILABLE for a provider failure', async () => {
    const reader = readerWith(async () => {
      throw new TwilioProviderError('No response from Twilio (ETIMEDOUT)', 0, 0, true);
    });
    expect(await reader.read('+14155550100', 'hash')).toEqual({ facts: null, source: 'UNAVAILABLE' });
  });

  it('lets a programming error surface instead of hiding it as UNAVAILABLE', async () => {
    const reader = readerWith(async () => {
      throw new TypeError('cannot read properties of undefined');
    });
    await expect(reader.read('+14155550100', 'hash')).rejects.toThrow(TypeError);
  });
});

describe('number facts through the cache', () => {
  const facts = {
    valid: true,
    countryCode: 'US',
    lineType: { type: 'mobile' },
    smsPumpingRisk: { score: 3, carrierRiskCategory: 'low', numberBlocked: false },
  };
  /** A cache whose first statement claims every number, and whose write of the answer waits for `land`. */
  function claimingCache(store: () => Promise<void>) {
    return {
      reader: {} as EntityManager,
      freshOrClaimNew: async () => ({ facts: undefined, claimed: true }),
      claim: async () => false,
      store,
      release: async () => undefined,
    } as unknown as LookupCache;
  }

  it('answers before the answer is stored, and an ask meanwhile shares it instead of asking Lookup again', async () => {
    let land: () => void = () => undefined;
    const stored = new Promise<void>((resolve) => (land = resolve));
    let lookups = 0;
    const reader = new NumberFactsReader(
      {
        lookup: async () => {
          lookups += 1;
          return facts as never;
        },
      },
      claimingCache(() => stored),
      { cacheHours: 24, claimMs: 1000, clock: systemClock },
      logger,
    );
    expect(await reader.read('+14155550100', 'hash')).toMatchObject({ source: 'LOOKUP' });
    expect(await reader.read('+14155550100', 'hash')).toMatchObject({
      source: 'CACHE',
      facts: { smsPumpingRiskScore: 3 },
    });
    expect(lookups).toBe(1);
    land();
  });

  it('still answers when the answer cannot be stored (the claim runs out instead)', async () => {
    const reader = new NumberFactsReader(
      { lookup: async () => facts as never },
      claimingCache(async () => {
        throw new Error('connection terminated');
      }),
      { cacheHours: 24, claimMs: 1000, clock: systemClock },
      logger,
    );
    expect(await reader.read('+14155550100', 'hash')).toMatchObject({
      source: 'LOOKUP',
      facts: { lineType: 'mobile' },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The failed write left no entry behind: the next ask reads the cache again (and asks Lookup).
    expect(await reader.read('+14155550100', 'hash')).toMatchObject({ source: 'LOOKUP' });
  });
});
