import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseConfig,
  platformConfigShape,
  twilioConfigShape,
  twilioCredentialsCheck,
  verifyServiceCheck,
} from '@attestor/platform';
import { createTwilioClient, TwilioProviderError } from '@attestor/twilio';
import { startEmulator, type RunningEmulator } from '@attestor/twilio-emulator';

/** Twilio API keys (SK… + secret) as Twilio recommends for servers, next to the auth token. */
const ACCOUNT = 'AC00000000000000000000000000000000';
const API_KEY = 'SK0123456789abcdef0123456789abcdef';
const API_SECRET = 'an-api-key-secret-for-tests';
const shape = { ...platformConfigShape, ...twilioConfigShape };
const parse = (env: Record<string, string>) => parseConfig(shape, env, [twilioCredentialsCheck]);

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, apiKey: { sid: API_KEY, secret: API_SECRET } });
});
afterAll(async () => {
  await emulator?.close();
});

describe('Twilio credentials', () => {
  it('calls Twilio (the emulator) through the SDK with an API key and its secret', async () => {
    const twilio = createTwilioClient({
      accountSid: ACCOUNT,
      apiKey: { sid: API_KEY, secret: API_SECRET },
      verifyServiceSid: 'VA0123456789abcdef0123456789abcdef',
      emulatorUrl: emulator.url,
    });
    const result = await twilio.lookup.lookup('+14155550100', { fields: ['caller_name'] });
    expect(result.callerName?.callerName).toBe('Ada Lovelace');
  });

  it('is refused (20003) with a wrong API key secret', async () => {
    const twilio = createTwilioClient({
      accountSid: ACCOUNT,
      apiKey: { sid: API_KEY, secret: 'not-the-secret' },
      verifyServiceSid: 'VA0123456789abcdef0123456789abcdef',
      emulatorUrl: emulator.url,
    });
    const failure = await twilio.lookup
      .lookup('+14155550100', { fields: ['caller_name'] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TwilioProviderError);
    expect((failure as TwilioProviderError).twilioCode).toBe(20003);
  });

  it('names the variable: an SK… in TWILIO_ACCOUNT_SID, a key without its secret, a secret without its key', () => {
    expect(() => parse({ TWILIO_ACCOUNT_SID: API_KEY })).toThrow(/TWILIO_ACCOUNT_SID: .*TWILIO_API_KEY/);
    expect(() => parse({ TWILIO_API_KEY: API_KEY })).toThrow(
      /^config: TWILIO_API_SECRET: must be set with TWILIO_API_KEY/,
    );
    expect(() => parse({ TWILIO_API_SECRET: API_SECRET })).toThrow(/^config: TWILIO_API_KEY:/);
    expect(parse({ TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }).TWILIO_API_KEY).toBe(API_KEY);
  });

  it('refuses the emulator defaults against real Twilio in production, and accepts an API key there', () => {
    const production = {
      NODE_ENV: 'production',
      CONTEXT_SECRET: 'p'.repeat(40),
      PII_KEY: Buffer.alloc(32, 1).toString('base64'),
      ADMIN_TOKEN: 'a-production-admin-token',
    };
    expect(() => parse(production)).toThrow(ConfigError);
    expect(() => parse(production)).toThrow(/TWILIO_ACCOUNT_SID: must be set in production/);
    const real = {
      ...production,
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_VERIFY_SERVICE_SID: 'VA00000000000000000000000000000001',
    };
    expect(() => parse(real)).toThrow(/TWILIO_AUTH_TOKEN: must be set in production/);
    expect(parse({ ...real, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }).NODE_ENV).toBe(
      'production',
    );
    expect(parse({ ...real, TWILIO_AUTH_TOKEN: 'a-real-auth-token' }).NODE_ENV).toBe('production');
    // Only the phone service sends through Verify: fraud and identity need no Verify service SID.
    const lookupOnly = {
      ...production,
      TWILIO_ACCOUNT_SID: real.TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: 'a-real-auth-token',
    };
    expect(parse(lookupOnly).NODE_ENV).toBe('production');
    const phone = (env: Record<string, string>) =>
      parseConfig(shape, env, [twilioCredentialsCheck, verifyServiceCheck]);
    expect(() => phone(lookupOnly)).toThrow(/TWILIO_VERIFY_SERVICE_SID: must be set in production/);
    expect(phone({ ...lookupOnly, TWILIO_VERIFY_SERVICE_SID: real.TWILIO_VERIFY_SERVICE_SID }).NODE_ENV).toBe(
      'production',
    );
    // The emulator in production (a staging stack): its defaults are what it expects.
    expect(parse({ ...production, TWILIO_EMULATOR_URL: 'http://twilio-emulator:4010' }).NODE_ENV).toBe(
      'production',
    );
  });
});
