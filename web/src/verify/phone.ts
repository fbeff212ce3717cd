import {
  AsYouType,
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import metadata from 'libphonenumber-js/metadata.min.json';

/** The country picker's choices, by their name in `language`. */
export interface CountryOption {
  code: CountryCode;
  name: string;
  callingCode: string;
}

export function countryOptions(language: string): CountryOption[] {
  const names = new Intl.DisplayNames([language], { type: 'region' });
  return getCountries()
    .map((code) => ({ code, name: names.of(code) ?? code, callingCode: getCountryCallingCode(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, language));
}

const isCountry = (code: string | undefined): code is CountryCode =>
  code !== undefined && (getCountries() as string[]).includes(code);

/** The region of a language tag (`es-MX` → MX, `fr` → FR), if it is a country with phone numbers. */
export function regionOf(tag: string): CountryCode | undefined {
  try {
    const region = new Intl.Locale(tag).maximize().region;
    return isCountry(region) ? region : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The country the picker starts on: the newest verification's, else the country of the number the
 * partner gave (masked, e.g. `+34*****6789`: only its calling code is readable, and the browser's
 * region wins among the countries that share it), else the browser's region, else the US.
 */
export function defaultCountry(input: {
  verificationCountry?: string | null;
  inquiryPhone?: string | null;
  languages: readonly string[];
}): CountryCode {
  const preferred = input.languages.map(regionOf).filter(isCountry);
  if (isCountry(input.verificationCountry ?? undefined)) return input.verificationCountry as CountryCode;
  const callingCode = /^\+(\d{1,3})/.exec(input.inquiryPhone ?? '')?.[1];
  if (callingCode !== undefined) {
    const sharing = (metadata.country_calling_codes as Record<string, string[] | undefined>)[callingCode];
    const main = sharing?.find((code) => preferred.includes(code as CountryCode)) ?? sharing?.[0];
    if (isCountry(main)) return main;
  }
  return preferred[0] ?? 'US';
}

/** What the number field shows as the user types, and the country a typed `+…` points at. */
export function formatAsTyped(value: string, country: CountryCode): { text: string; country?: CountryCode } {
  const formatter = new AsYouType(country);
  const text = formatter.input(value);
  const detected = value.trim().startsWith('+') ? formatter.getCountry() : undefined;
  return detected ? { text, country: detected } : { text };
}

/** The number in E.164 when it is a valid number (of `country`, unless it starts with `+`). */
export function toE164(value: string, country: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(value, country);
  return parsed?.isValid() ? parsed.number : null;
}

/** A mobile number of the country as its people write it, for the field's hint. */
export function exampleNumber(country: CountryCode): string | undefined {
  return getExampleNumber(country, examples)?.formatNational();
}
