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
