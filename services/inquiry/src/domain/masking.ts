import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { maskPhoneNumber } from '@attestor/contracts';
import type { InquiryFields } from './fields.js';

const MASKED_BIRTHDATE = '****-**-**';

/** `Jane` → `J***`: the initial helps an operator tell records apart without revealing the name. */
export function maskName(name: string | null): string | null {
  if (name === null) return null;
  const [initial] = [...name];
  return `${initial ?? ''}***`;
}

/** `+14155550123` → `+1******0123`. */
export function maskPhone(e164: string | null): string | null {
  if (e164 === null) return null;
  const callingCode = parsePhoneNumberFromString(e164)?.countryCallingCode;
  return callingCode
    ? maskPhoneNumber(e164, callingCode)
    : `${'*'.repeat(Math.max(e164.length - 4, 0))}${e164.slice(-4)}`;
}

/** What a caller without the pii:read scope sees. */
export function maskFields(fields: InquiryFields): InquiryFields {
  return {
    nameFirst: maskName(fields.nameFirst),
    nameMiddle: maskName(fields.nameMiddle),
    nameLast: maskName(fields.nameLast),
    birthdate: fields.birthdate === null ? null : MASKED_BIRTHDATE,
    phoneNumber: maskPhone(fields.phoneNumber),
  };
}
