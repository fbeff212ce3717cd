import { getCountries, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Facts about phone numbers and channels every service shares: one parser, so a number one service
 * accepts is a number every other service accepts too.
 */

/** The channels a code can be sent over, as the API names them. */
export const phoneChannels = ['SMS', 'CALL', 'WHATSAPP'] as const;
export type PhoneChannel = (typeof phoneChannels)[number];

export function isPhoneChannel(value: unknown): value is PhoneChannel {
  return typeof value === 'string' && (phoneChannels as readonly string[]).includes(value);
}

/**
 * Lookup v2 `line_type_intelligence.type` values: what Lookup says a number is. The Twilio adapter
 * reads exactly these (anything else answers no line type) and a fraud policy may refuse only these.
 */
export const lookupLineTypes = [
  'landline',
  'mobile',
  'fixedVoip',
  'nonFixedVoip',
  'personal',
  'tollFree',
  'premium',
  'sharedCost',
  'uan',
  'voicemail',
  'pager',
  'unknown',
] as const;
export type LookupLineType = (typeof lookupLineTypes)[number];

export function isLookupLineType(value: unknown): value is LookupLineType {
  return typeof value === 'string' && (lookupLineTypes as readonly string[]).includes(value);
}

/** What the fraud engine answers for a send. */
export const riskDecisions = ['ALLOW', 'CHALLENGE', 'BLOCK'] as const;
export type RiskDecision = (typeof riskDecisions)[number];

/** A number read and validated: E.164, its region and calling code. */
export interface InternationalNumber {
  /** E.164, e.g. +14155550123. PII: sealed at rest, never logged or returned in clear. */
  e164: string;
  /** ISO 3166 alpha-2 of the number's region (e.g. GG for +44 7781…, not GB). */
  countryCode: string;
  /** E.g. `1`, `44`. */
  callingCode: string;
}

/** Why a text is not a number that can receive a code (the message a caller reads). */
export type PhoneNumberProblem =
  | 'EMPTY'
  | 'TOO_LONG'
  | 'NOT_INTERNATIONAL'
  | 'NOT_A_NUMBER'
  | 'UNKNOWN_COUNTRY'
  | 'INVALID'
  | 'NON_GEOGRAPHIC';

export const phoneNumberProblemMessages: Record<PhoneNumberProblem, string> = {
  EMPTY: 'A phone number is required',
  TOO_LONG: 'A phone number has at most 64 characters',
  NOT_INTERNATIONAL:
    'A phone number must be international (+ and the country calling code), or national with a country',
  NOT_A_NUMBER: 'Not a phone number: use digits, spaces, dots, dashes and parentheses only',
  UNKNOWN_COUNTRY: 'Unknown country: use an ISO 3166 alpha-2 code such as US or GB',
  INVALID: 'Not a valid phone number for its country',
  NON_GEOGRAPHIC: 'Non-geographic numbers (such as +800) cannot receive codes',
};

export const PHONE_INPUT_MAX_LENGTH = 64;
/** What a written phone number may contain besides digits (and one leading +). */
const PHONE_TEXT = /^\+?[0-9 ().\-\u00a0]+$/;
const COUNTRY = /^[A-Z]{2}$/;

/**
 * Reads a number as an end user or a partner writes it: international (`+44 20 7946 0958`), or
 * national when a default country is given (`020 7946 0958`, GB). Refuses anything that is not a
 * valid number of one region — including non-geographic ranges (+800, +882…), which cannot receive
 * an SMS or a call from Verify.
 */
export function parseInternationalNumber(
  input: string,
  defaultCountry?: string | null,
): { ok: true; number: InternationalNumber } | { ok: false; problem: PhoneNumberProblem } {
  const text = input.trim();
  if (text.length === 0) return { ok: false, problem: 'EMPTY' };
  if (text.length > PHONE_INPUT_MAX_LENGTH) return { ok: false, problem: 'TOO_LONG' };
  if (!PHONE_TEXT.test(text)) return { ok: false, problem: 'NOT_A_NUMBER' };
  const country = defaultCountry?.trim().toUpperCase() || undefined;
  if (country !== undefined && !isPhoneCountry(country)) return { ok: false, problem: 'UNKNOWN_COUNTRY' };
  if (!text.startsWith('+') && country === undefined) return { ok: false, problem: 'NOT_INTERNATIONAL' };
  const parsed = parsePhoneNumberFromString(text, {
    extract: false,
    ...(country === undefined ? {} : { defaultCountry: country as CountryCode }),
  });
  if (parsed === undefined) return { ok: false, problem: 'INVALID' };
  if (parsed.country === undefined) {
    return { ok: false, problem: parsed.isValid() ? 'NON_GEOGRAPHIC' : 'INVALID' };
  }
  if (!parsed.isValid()) return { ok: false, problem: 'INVALID' };
  return {
    ok: true,
    number: { e164: parsed.number, countryCode: parsed.country, callingCode: parsed.countryCallingCode },
  };
}

let phoneCountries: Set<string> | undefined;

/** ISO 3166 alpha-2 codes with a phone numbering plan. */
export function isPhoneCountry(code: string): boolean {
  phoneCountries ??= new Set(getPhoneCountries());
  return COUNTRY.test(code) && phoneCountries.has(code);
}

export function getPhoneCountries(): string[] {
  return getCountries();
}

/** `+14155550123` → `+1*******0123`: the calling code and the last four digits stay readable. */
export function maskPhoneNumber(e164: string, callingCode?: string): string {
  const code = callingCode ?? parsePhoneNumberFromString(e164)?.countryCallingCode;
  if (code === undefined) return `${'*'.repeat(Math.max(e164.length - 4, 0))}${e164.slice(-4)}`;
  const prefix = `+${code}`;
  const rest = e164.startsWith(prefix) ? e164.slice(prefix.length) : e164.replace(/^\+/, '');
  const visible = rest.slice(-4);
  return `${prefix}${'*'.repeat(Math.max(rest.length - visible.length, 0))}${visible}`;
}
