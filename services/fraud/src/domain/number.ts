import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { LookupLineType } from '@attestor/contracts';

/**
 * What the number itself says, before any provider is asked: its country and its type from the
 * numbering plan (libphonenumber's full metadata), and the prefixes the velocity rules and breakers
 * count by.
 */
export interface NumberShape {
  /** ISO 3166 alpha-2 region of the number, or null when the plan does not say. */
  countryCode: string | null;
  /** The numbering plan's type, mapped onto Lookup's line types; null when the plan does not say. */
  planLineType: LookupLineType | null;
  /** The number without its last 2, 3 and 4 digits, in that order (docs/fraud.md "Prefixes"). */
  prefixes: string[];
}

/** Digits dropped from the end of the number for each prefix depth, shallowest first. */
export const PREFIX_DEPTHS = [2, 3, 4] as const;

/** `+998901234567` → `+9989012345`, `+998901234`, `+99890123`: the same cut the phone events' prefixHashes use. */
export function prefixesOf(e164: string): string[] {
  return PREFIX_DEPTHS.map((drop) => e164.slice(0, Math.max(e164.length - drop, 2)));
}

const planTypes: Record<string, LookupLineType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'landline',
  VOIP: 'fixedVoip',
  TOLL_FREE: 'tollFree',
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'sharedCost',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

/** The number's shape; `fallbackCountry` (the caller's) is used only when the number says nothing. */
export function numberShapeOf(e164: string, fallbackCountry: string | null): NumberShape {
  const parsed = parsePhoneNumberFromString(e164);
  const type = parsed?.getType();
  return {
    countryCode: parsed?.country ?? (fallbackCountry?.trim().toUpperCase() || null),
    planLineType: type === undefined ? null : (planTypes[type] ?? null),
    prefixes: prefixesOf(e164),
  };
}
