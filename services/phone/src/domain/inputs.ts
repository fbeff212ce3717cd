import {
  isPhoneCountry,
  maskPhoneNumber,
  parseInternationalNumber,
  phoneNumberProblemMessages,
  type PhoneChannel,
} from '@attestor/contracts';

/** Twilio Verify's name for each channel. */
export const providerChannel = {
  SMS: 'sms',
  CALL: 'call',
  WHATSAPP: 'whatsapp',
} as const satisfies Record<PhoneChannel, string>;

/** Verify codes are 4 to 10 digits; anything else cannot be right, so Twilio is not asked. */
const CODE = /^[0-9]{4,10}$/;

export function isCodeWellFormed(code: string): boolean {
  return CODE.test(code);
}

/** Spaces and dashes people type or paste between digits ("123 456", "123-456", a trailing newline). */
const CODE_SEPARATORS = /[\s\u00AD\u2010-\u2015\u2212-]/gu;
/** The zero of each script whose digits phones' keyboards type (Arabic-Indic, Persian, Devanagari…). */
const DIGIT_ZEROS = [
  0x0660, 0x06f0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0e50, 0x0ed0,
  0x0f20, 0x1040, 0x17e0, 0x1810,
];

/**
 * The code as Twilio wants it, from the code as a person entered it: separators dropped, full-width
 * digits (NFKC) and other scripts' digits read as 0–9. Null when that is not 4 to 10 digits.
 */
export function readCode(entered: string): string | null {
  const compact = entered.normalize('NFKC').replace(CODE_SEPARATORS, '');
  let ascii = '';
  for (const character of compact) {
    const point = character.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => point >= z && point <= z + 9);
    ascii += zero === undefined ? character : String(point - zero);
  }
  return isCodeWellFormed(ascii) ? ascii : null;
}

/**
 * The shape of the locales Verify translates messages into (`en`, `pt-BR`, `zh-HK`): a two-letter
 * language, optionally a region or script. Whether Twilio has that translation is Twilio's answer.
 */
const LOCALE = /^[a-z]{2}(-[A-Za-z]{2,4})?$/;

export function isLocaleWellFormed(locale: string): boolean {
  return LOCALE.test(locale);
}

/** The country a national number is read in, as given by the caller: ISO 3166 alpha-2 with a numbering plan. */
export function isDefaultCountryWellFormed(country: string): boolean {
  return isPhoneCountry(country.trim().toUpperCase());
}

/** Twilio's CustomFriendlyName holds at most 30 characters. */
const FRIENDLY_NAME_MAX = 30;

/** The account's name as Verify shows it in the message ("Your <name> verification code is …"). */
export function friendlyNameOf(accountName: string): string | null {
  const name = accountName.trim();
  if (name.length === 0) return null;
  return [...name].slice(0, FRIENDLY_NAME_MAX).join('').trim();
}

/** A number the end user gave, read and validated: what Verify is asked to send to. */
export interface PhoneNumber {
  /** E.164, e.g. +14155550123. PII: sealed at rest, never logged or returned. */
  e164: string;
  /** ISO 3166 alpha-2 of the number's region. */
  countryCode: string;
  /** E.g. +1******0123. */
  masked: string;
  /** The number without its last 2, 3 and 4 digits, in that order (hashed before they leave). */
  prefixes: [string, string, string];
}

/**
 * Reads a number with the platform's one parser (`@attestor/contracts`): international, or national in
 * `country` (the caller's defaultCountry, else the inquiry's phone country). Refusals name the problem.
 */
export function readPhoneNumber(
  input: string,
  country: string | null,
): { ok: true; number: PhoneNumber } | { ok: false; message: string } {
  const parsed = parseInternationalNumber(input, country);
  if (!parsed.ok)
    return { ok: false, message: `Invalid phoneNumber: ${phoneNumberProblemMessages[parsed.problem]}` };
  const { e164, countryCode, callingCode } = parsed.number;
  return {
    ok: true,
    number: {
      e164,
      countryCode,
      masked: maskPhoneNumber(e164, callingCode),
      prefixes: [e164.slice(0, -2), e164.slice(0, -3), e164.slice(0, -4)],
    },
  };
}
