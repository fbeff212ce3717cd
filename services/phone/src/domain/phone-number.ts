import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { maskPhoneNumber } from '@attestor/contracts';

/** A number the end user gave, read and validated: what Verify is asked to send to. */
export interface PhoneNumber {
  /** E.164, e.g. +14155550123. PII: sealed at rest, never logged or returned. */
  e164: string;
  /** ISO 3166 alpha-2 of the number's region. */
  countryCode: string;
  /** E.g. +1******0123. */
  masked: string;
}

const MAX_INPUT_LENGTH = 64;

/**
 * Reads an international number (`+` and the country calling code; spaces, dots, dashes and
 * parentheses allowed). Null when it is not a valid, assignable number of one country: national
 * formats are ambiguous without a country, and non-geographic numbers (+800…) cannot receive codes.
 */
export function parsePhoneNumber(input: string): PhoneNumber | null {
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_INPUT_LENGTH || !text.startsWith('+')) return null;
  const parsed = parsePhoneNumberFromString(text, { extract: false });
  if (parsed === undefined || !parsed.isValid() || parsed.country === undefined) return null;
  return {
    e164: parsed.number,
    countryCode: parsed.country,
    masked: maskPhoneNumber(parsed.number, parsed.countryCallingCode),
  };
}
