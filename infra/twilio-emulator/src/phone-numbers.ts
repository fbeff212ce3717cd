import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import type { CountryCode, NumberType } from 'libphonenumber-js/max';

/** Lookup v2's reasons for an invalid number (the OAI `ValidationError` enum). */
export type ValidationError =
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'INVALID_BUT_POSSIBLE'
  | 'INVALID_COUNTRY_CODE'
  | 'INVALID_LENGTH'
  | 'NOT_A_NUMBER';

export interface ParsedPhoneNumber {
  /** E.164 when the input could be read as a number at all; otherwise the input as given. */
  phoneNumber: string;
  valid: boolean;
  validationErrors: ValidationError[];
  countryCode: string | null;
  callingCountryCode: string | null;
  nationalFormat: string | null;
  numberType: NumberType;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/** Reads a number the way Lookup does: E.164, or national format in `defaultCountry` (Lookup's default is US). */
export function parsePhoneNumber(input: string, defaultCountry: string = 'US'): ParsedPhoneNumber {
  const country = defaultCountry.toUpperCase() as CountryCode;
  const parsed = parsePhoneNumberFromString(input, country);
  const lengthProblem = validatePhoneNumberLength(input, country);
  if (parsed === undefined || lengthProblem !== undefined) {
    return {
      phoneNumber: parsed?.number ?? input,
      valid: false,
      validationErrors: [toValidationError(lengthProblem)],
      countryCode: null,
      callingCountryCode: null,
      nationalFormat: null,
      numberType: undefined,
    };
  }
  const valid = parsed.isValid();
  return {
    phoneNumber: parsed.number,
    valid,
    validationErrors: valid ? [] : ['INVALID_BUT_POSSIBLE'],
    countryCode: valid ? (parsed.country ?? null) : null,
    callingCountryCode: valid ? parsed.countryCallingCode : null,
    nationalFormat: valid ? parsed.formatNational() : null,
    numberType: valid ? parsed.getType() : undefined,
  };
}

function toValidationError(problem: ReturnType<typeof validatePhoneNumberLength>): ValidationError {
  switch (problem) {
    case 'TOO_SHORT':
    case 'TOO_LONG':
    case 'INVALID_LENGTH':
    case 'NOT_A_NUMBER':
      return problem;
    case 'INVALID_COUNTRY':
      return 'INVALID_COUNTRY_CODE';
    default:
      return 'NOT_A_NUMBER';
  }
}

/** True for a number written in E.164 that is also a valid, assignable number (what Verify accepts as `To`). */
export function isValidE164(value: string): boolean {
  return E164.test(value) && parsePhoneNumber(value).valid;
}
