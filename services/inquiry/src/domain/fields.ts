import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { badInput } from '@attestor/platform/errors';

/** The end user's data as the partner sent it (every part optional). */
export interface InquiryFieldsInput {
  nameFirst?: string | null;
  nameMiddle?: string | null;
  nameLast?: string | null;
  birthdate?: string | null;
  phoneNumber?: string | null;
}

/** The same data, checked and normalized: names trimmed (NFC), birthdate YYYY-MM-DD, phone E.164. */
export interface InquiryFields {
  nameFirst: string | null;
  nameMiddle: string | null;
  nameLast: string | null;
  birthdate: string | null;
  phoneNumber: string | null;
}

export const NAME_MAX_LENGTH = 100;
const PHONE_INPUT_MAX_LENGTH = 64;
const EARLIEST_BIRTHDATE = '1900-01-01';

/** Letters and combining marks of any script, spaces, apostrophes (' and ’), hyphens and periods. */
const NAME_CHARACTERS = /^[\p{L}\p{M} '’.-]+$/u;
const HAS_LETTER = /\p{L}/u;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkName(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  const name = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  const length = [...name].length;
  if (length === 0) throw badInput('A name may not be empty; leave it out instead', field);
  if (length > NAME_MAX_LENGTH)
    throw badInput(`A name may have at most ${NAME_MAX_LENGTH} characters`, field);
  if (!NAME_CHARACTERS.test(name) || !HAS_LETTER.test(name)) {
    throw badInput('A name may hold letters, spaces, apostrophes, hyphens and periods only', field);
  }
  return name;
}

/** `YYYY-MM-DD` of a day that exists, after 1900-01-01 and before `today` (UTC). */
export function checkBirthdate(
  value: string | null | undefined,
  today: Date,
  field = 'fields.birthdate',
): string | null {
  if (value === null || value === undefined) return null;
  const match = ISO_DATE.exec(value);
  if (!match) throw badInput('A birthdate must be written YYYY-MM-DD', field);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw badInput('The birthdate is not a real date', field);
  }
  if (value <= EARLIEST_BIRTHDATE) throw badInput(`A birthdate must be after ${EARLIEST_BIRTHDATE}`, field);
  if (value >= today.toISOString().slice(0, 10)) throw badInput('A birthdate must be in the past', field);
  return value;
}

/** Any international format libphonenumber reads (with `+` and the calling code), as E.164. */
export function checkPhoneNumber(
  value: string | null | undefined,
  field = 'fields.phoneNumber',
): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text.length === 0 || text.length > PHONE_INPUT_MAX_LENGTH || !text.startsWith('+')) {
    throw badInput('A phone number must be international: + and the country calling code', field);
  }
  const parsed = parsePhoneNumberFromString(text, { extract: false });
  if (parsed === undefined || !parsed.isValid()) throw badInput('Not a valid phone number', field);
  return parsed.number;
}

/** Checks every field; the first bad one is reported as BAD_USER_INPUT naming `fields.<name>`. */
export function checkInquiryFields(input: InquiryFieldsInput | null | undefined, today: Date): InquiryFields {
  return {
    nameFirst: checkName(input?.nameFirst, 'fields.nameFirst'),
    nameMiddle: checkName(input?.nameMiddle, 'fields.nameMiddle'),
    nameLast: checkName(input?.nameLast, 'fields.nameLast'),
    birthdate: checkBirthdate(input?.birthdate, today),
    phoneNumber: checkPhoneNumber(input?.phoneNumber),
  };
}

export const REFERENCE_ID_MAX_LENGTH = 255;

export function checkReferenceId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value.length === 0)
    throw badInput('A referenceId may not be empty; leave it out instead', 'referenceId');
  if (value.length > REFERENCE_ID_MAX_LENGTH) {
    throw badInput(`A referenceId may have at most ${REFERENCE_ID_MAX_LENGTH} characters`, 'referenceId');
  }
  return value;
}
