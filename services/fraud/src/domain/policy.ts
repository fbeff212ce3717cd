import { isPhoneCountry } from '@attestor/contracts';
import { isLookupLineType, lookupLineTypes, type LookupLineType } from './line-types.js';

/** How a policy's decisions take effect (docs/fraud.md "Modes"). */
export const fraudModes = ['ENFORCE', 'RECORD_ONLY'] as const;
export type FraudMode = (typeof fraudModes)[number];

export { lookupLineTypes, type LookupLineType } from './line-types.js';

export interface CountryPolicy {
  countryCode: string;
  smsAllowed: boolean;
  /** Sends to this country per rolling hour for the account; null = no cap. */
  maxPerHour: number | null;
}

export interface FraudPolicy {
  mode: FraudMode;
  /** Per-country overrides; a country not listed is allowed without an hourly cap. */
  countries: CountryPolicy[];
  blockLineTypes: LookupLineType[];
  /** Sends for the whole account per rolling 24 hours; null = no cap. */
  maxSmsPerDay: number | null;
}

/** What an account gets until it stores its own policy: enforce, with only the risk-score rules active. */
export function defaultPolicy(): FraudPolicy {
  return { mode: 'ENFORCE', countries: [], blockLineTypes: [], maxSmsPerDay: null };
}

/** A policy change as the API receives it: absent fields keep their value, null clears a cap. */
export interface FraudPolicyChange {
  mode?: FraudMode | null | undefined;
  countries?:
    | Array<{ countryCode: string; smsAllowed: boolean; maxPerHour?: number | null | undefined }>
    | null
    | undefined;
  blockLineTypes?: string[] | null | undefined;
  maxSmsPerDay?: number | null | undefined;
}

/** The change names the input field at fault (`countries[1].countryCode`); resolvers answer BAD_USER_INPUT. */
export class PolicyRejected extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'PolicyRejected';
  }
}

/** At most one entry per country with a phone numbering plan. */
const MAX_COUNTRIES = 300;

/** Applies a change to the current policy, or throws PolicyRejected naming the first bad field. */
export function applyPolicyChange(current: FraudPolicy, change: FraudPolicyChange): FraudPolicy {
  const next: FraudPolicy = { ...current };
  if (change.mode !== undefined) {
    if (change.mode === null) throw new PolicyRejected('mode may not be null', 'mode');
    next.mode = change.mode;
  }
  if (change.countries !== undefined) {
    if (change.countries === null)
      throw new PolicyRejected('countries may not be null; send [] to clear', 'countries');
    next.countries = parseCountries(change.countries);
  }
  if (change.blockLineTypes !== undefined) {
    if (change.blockLineTypes === null) {
      throw new PolicyRejected('blockLineTypes may not be null; send [] to clear', 'blockLineTypes');
    }
    next.blockLineTypes = parseLineTypes(change.blockLineTypes);
  }
  if (change.maxSmsPerDay !== undefined) {
    next.maxSmsPerDay = parseCap(change.maxSmsPerDay, 'maxSmsPerDay');
  }
  return next;
}

function parseCountries(countries: NonNullable<FraudPolicyChange['countries']>): CountryPolicy[] {
  if (countries.length > MAX_COUNTRIES) {
    throw new PolicyRejected(`at most ${MAX_COUNTRIES} countries`, 'countries');
  }
  const seen = new Set<string>();
  return countries.map((country, index) => {
    const field = `countries[${index}]`;
    const code = country.countryCode.trim().toUpperCase();
    if (!isPhoneCountry(code)) {
      throw new PolicyRejected(
        `${country.countryCode.slice(0, 8)} is not an ISO 3166 alpha-2 country code with phone numbers`,
        `${field}.countryCode`,
      );
    }
    if (seen.has(code)) throw new PolicyRejected(`${code} is listed twice`, `${field}.countryCode`);
    seen.add(code);
    return {
      countryCode: code,
      smsAllowed: country.smsAllowed,
      maxPerHour: parseCap(country.maxPerHour ?? null, `${field}.maxPerHour`),
    };
  });
}

function parseLineTypes(lineTypes: string[]): LookupLineType[] {
  const seen = new Set<string>();
  return lineTypes.map((lineType, index) => {
    const field = `blockLineTypes[${index}]`;
    if (!isLookupLineType(lineType)) {
      throw new PolicyRejected(
        `${lineType.slice(0, 20)} is not a Lookup line type (${lookupLineTypes.join(', ')})`,
        field,
      );
    }
    if (seen.has(lineType)) throw new PolicyRejected(`${lineType} is listed twice`, field);
    seen.add(lineType);
    return lineType;
  });
}

function parseCap(value: number | null, field: string): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 0) throw new PolicyRejected(`${field} must be 0 or more`, field);
  return value;
}

/** The override for a country, if the policy lists it. */
export function countryPolicyOf(policy: FraudPolicy, countryCode: string | null): CountryPolicy | undefined {
  if (countryCode === null) return undefined;
  return policy.countries.find((country) => country.countryCode === countryCode);
}
