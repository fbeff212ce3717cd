import twilio from 'twilio';
import type { Twilio } from 'twilio';
import { TwilioLookupProvider } from './lookup.js';
import type { LookupProvider } from './lookup.js';
import { TwilioVerifyOtpProvider } from './otp.js';
import type { OtpProvider } from './otp.js';
import { EmulatorRequestClient } from './request-client.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
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
  TWILIO_VERIFY_SERVICE_SID: string;
  TWILIO_EMULATOR_URL?: string | undefined;
  TWILIO_TIMEOUT_MS: number;
}

/** The SDK client a service's config describes: real Twilio, or the emulator when its URL is set. */
export function twilioFromConfig(config: TwilioEnvironment): TwilioProviders {
  return createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    verifyServiceSid: config.TWILIO_VERIFY_SERVICE_SID,
    ...(config.TWILIO_EMULATOR_URL === undefined ? {} : { emulatorUrl: config.TWILIO_EMULATOR_URL }),
    timeoutMs: config.TWILIO_TIMEOUT_MS,
  });
}

export function createTwilioClient(settings: TwilioSettings): TwilioProviders {
  const timeout = settings.timeoutMs;
  const client = twilio(settings.accountSid, settings.authToken, {
    timeout,
    ...(settings.emulatorUrl !== undefined && {
      httpClient: new EmulatorRequestClient(settings.emulatorUrl, { timeout }),
    }),
  });
  return {
    client,
    otp: new TwilioVerifyOtpProvider(client, settings.verifyServiceSid),
    lookup: new TwilioLookupProvider(client),
  };
}
