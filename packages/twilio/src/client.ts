import twilio from 'twilio';
import type { Twilio } from 'twilio';
import { TwilioLookupProvider } from './lookup.js';
import type { LookupProvider } from './lookup.js';
import { TwilioVerifyOtpProvider } from './otp.js';
import type { OtpProvider } from './otp.js';
import { EmulatorRequestClient, TracedRequestClient } from './request-client.js';

export interface TwilioSettings {
  accountSid: string;
  /** The account's auth token, or… */
  authToken?: string;
  /** …an API key (SK…) and its secret, as Twilio recommends for servers. */
  apiKey?: { sid: string; secret: string };
  verifyServiceSid: string;
  /** Base URL of the Twilio emulator; when set, Verify and Lookup requests go there instead of Twilio. */
  emulatorUrl?: string;
  /** Per-request timeout; the SDK's default is 30 s. */
  timeoutMs?: number;
}

export interface TwilioProviders {
  /** The SDK client itself, for anything the providers do not cover. */
  client: Twilio;
  otp: OtpProvider;
  lookup: LookupProvider;
}

/** The services' Twilio variables (platform `twilioConfigShape`), as parsed at start. */
export interface TwilioEnvironment {
  TWILIO_ACCOUNT_SID: string;
  TWILIO_AUTH_TOKEN: string;
  TWILIO_API_KEY?: string | undefined;
  TWILIO_API_SECRET?: string | undefined;
  TWILIO_VERIFY_SERVICE_SID: string;
  TWILIO_EMULATOR_URL?: string | undefined;
  TWILIO_TIMEOUT_MS: number;
}

/** The SDK client a service's config describes: real Twilio, or the emulator when its URL is set. */
export function twilioFromConfig(config: TwilioEnvironment): TwilioProviders {
  return createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    ...(config.TWILIO_API_KEY !== undefined && config.TWILIO_API_SECRET !== undefined
      ? { apiKey: { sid: config.TWILIO_API_KEY, secret: config.TWILIO_API_SECRET } }
      : { authToken: config.TWILIO_AUTH_TOKEN }),
    verifyServiceSid: config.TWILIO_VERIFY_SERVICE_SID,
    ...(config.TWILIO_EMULATOR_URL === undefined ? {} : { emulatorUrl: config.TWILIO_EMULATOR_URL }),
    timeoutMs: config.TWILIO_TIMEOUT_MS,
  });
}

export function createTwilioClient(settings: TwilioSettings): TwilioProviders {
  const timeout = settings.timeoutMs;
  // With an API key the SDK authenticates as the key and needs the account it acts for.
  const [username, password] = settings.apiKey
    ? [settings.apiKey.sid, settings.apiKey.secret]
    : [settings.accountSid, settings.authToken];
  if (password === undefined) throw new Error('Twilio needs an auth token or an API key and its secret');
  const client = twilio(username, password, {
    accountSid: settings.accountSid,
    timeout,
    httpClient:
      settings.emulatorUrl !== undefined
        ? new EmulatorRequestClient(settings.emulatorUrl, { timeout })
        : new TracedRequestClient({ timeout }),
  });
  return {
    client,
    otp: new TwilioVerifyOtpProvider(client, settings.verifyServiceSid),
    lookup: new TwilioLookupProvider(client),
  };
}
