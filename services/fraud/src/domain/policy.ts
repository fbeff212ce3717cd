import { isPhoneCountry } from '@attestor/contracts';
import { isLookupLineType, lookupLineTypes, type LookupLineType } from '@attestor/contracts';

export { lookupLineTypes, type LookupLineType } from '@attestor/contracts';

/** How a policy's decisions take effect (docs/fraud.md "Modes"). */
export const fraudModes = ['ENFORCE', 'RECORD_ONLY'] as const;
export type FraudMode = (typeof fraudModes)[number];

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
  /** Line types never sent an SMS (or WhatsApp) message. */
  blockLineTypes: LookupLineType[];
  /** Of the refused line types, those a voice call may reach instead: the reply suggests CALL. */
  callLineTypes: LookupLineType[];
  /** Sends for the whole account per rolling 24 hours; null = no cap. */
  maxSmsPerDay: number | null;
  /** Score thresholds; null = the service's (FRAUD_CHALLENGE_SCORE, FRAUD_BLOCK_SCORE). */
  challengeAt: number | null;
  blockAt: number | null;
  /** Whether a voice call satisfies a challenge instead of the proof-of-work. */
  challengeAcceptsCall: boolean;
}

/** Line types that cannot receive an SMS or are billed above a mobile number: refused by default. */
export const defaultBlockLineTypes: LookupLineType[] = [
  'landline',
  'premium',
  'tollFree',
  'sharedCost',
  'uan',
  'voicemail',
  'pager',
];

/** What an account gets until it stores its own policy. */
export function defaultPolicy(): FraudPolicy {
  return {
    mode: 'ENFORCE',
    countries: [],
    blockLineTypes: [...defaultBlockLineTypes],
    callLineTypes: ['landline'],
    maxSmsPerDay: null,
    challengeAt: null,
    blockAt: null,
    challengeAcceptsCall: false,
  };
}

/** A policy change as the API receives it: absent fields keep their value, null clears a cap. */
export interface FraudPolicyChange {
  mode?: FraudMode | null | undefined;
  countries?:
    | Array<{ countryCode: string; smsAllowed: boolean; maxPerHour?: number | null | undefined }>
    | null
    | undefined;
  blockLineTypes?: string[] | null | undefined;
  callLineTypes?: string[] | null | undefined;
  maxSmsPerDay?: number | null | undefined;
  challengeAt?: number | null | undefined;
  blockAt?: number | null | undefined;
  challengeAcceptsCall?: boolean | null | undefined;
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

/** The thresholds a policy decides with: its own, or the service's where it has none. */
export interface RiskThresholds {
  /** Score from which a send is blocked (default 90). */
  blockAt: number;
  /** Score from which a send needs a challenge (default 60). */
  challengeAt: number;
}

export function thresholdsOf(policy: FraudPolicy, service: RiskThresholds): RiskThresholds {
  return {
    challengeAt: policy.challengeAt ?? service.challengeAt,
    blockAt: policy.blockAt ?? service.blockAt,
  };
}

/**
 * Applies a change to the current policy, or throws PolicyRejected naming the first bad field.
 * `service` gives the thresholds a policy without its own uses, so the pair is checked as it will act.
 */
export function applyPolicyChange(
  current: FraudPolicy,
  change: FraudPolicyChange,
  service: RiskThresholds = { challengeAt: 60, blockAt: 90 },
): FraudPolicy {
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
    next.blockLineTypes = parseLineTypes(change.blockLineTypes, 'blockLineTypes');
  }
  if (change.callLineTypes !== undefined) {
    if (change.callLineTypes === null) {
      throw new PolicyRejected('callLineTypes may not be null; send [] to clear', 'callLineTypes');
    }
    next.callLineTypes = parseLineTypes(change.callLineTypes, 'callLineTypes');
  }
  if (change.maxSmsPerDay !== undefined) {
    next.maxSmsPerDay = parseCap(change.maxSmsPerDay, 'maxSmsPerDay');
  }
  if (change.challengeAt !== undefined) next.challengeAt = parseScore(change.challengeAt, 'challengeAt');
  if (change.blockAt !== undefined) next.blockAt = parseScore(change.blockAt, 'blockAt');
  if (change.challengeAcceptsCall !== undefined) {
    if (change.challengeAcceptsCall === null) {
      throw new PolicyRejected('challengeAcceptsCall may not be null', 'challengeAcceptsCall');
    }
    next.challengeAcceptsCall = change.challengeAcceptsCall;
  }
  const acting = thresholdsOf(next, service);
  if (acting.challengeAt >= acting.blockAt) {
    const field = change.challengeAt !== undefined ? 'challengeAt' : 'blockAt';
    throw new PolicyRejected(
      `challengeAt (${acting.challengeAt}) must be below blockAt (${acting.blockAt})`,
      field,
    );
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

function parseLineTypes(lineTypes: string[], name: string): LookupLineType[] {
  const seen = new Set<string>();
  return lineTypes.map((lineType, index) => {
    const field = `${name}[${index}]`;
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

function parseScore(value: number | null, field: string): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 0 || value > 100) {
    throw new PolicyRejected(`${field} must be a whole number from 0 to 100`, field);
  }
  return value;
}

/** The override for a country, if the policy lists it. */
export function countryPolicyOf(policy: FraudPolicy, countryCode: string | null): CountryPolicy | undefined {
  if (countryCode === null) return undefined;
  return policy.countries.find((country) => country.countryCode === countryCode);
}
