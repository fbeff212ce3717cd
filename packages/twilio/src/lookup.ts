import type { Twilio } from 'twilio';
import type { PhoneNumberInstance } from 'twilio/lib/rest/lookups/v2/phoneNumber.js';
import { callTwilio } from './errors.js';
import { lookupLineTypes, type LookupLineType } from '@attestor/contracts';

export type LookupField = 'sms_pumping_risk' | 'line_type_intelligence' | 'caller_name' | 'identity_match';

export type LookupValidationError =
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'INVALID_BUT_POSSIBLE'
  | 'INVALID_COUNTRY_CODE'
  | 'INVALID_LENGTH'
  | 'NOT_A_NUMBER';

/** Lookup v2 `line_type_intelligence.type` (the list lives in @attestor/contracts). */
export type LineType = LookupLineType;

export type CarrierRiskCategory = 'low' | 'mild' | 'moderate' | 'high';
export type CallerType = 'CONSUMER' | 'BUSINESS' | 'UNDETERMINED';
export type MatchLevel =
  'exact_match' | 'high_partial_match' | 'partial_match' | 'no_match' | 'no_data_available';

/** What the caller claims about the number's owner, compared by identity_match. */
export interface IdentityClaim {
  firstName?: string;
  lastName?: string;
  addressLine1?: string;
  addressLine2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  addressCountryCode?: string;
  nationalId?: string;
  /** YYYYMMDD */
  dateOfBirth?: string;
}

export interface LookupOptions {
  fields: LookupField[];
  identity?: IdentityClaim;
  /** ISO country for a number in national format; Twilio assumes US. */
  countryCode?: string;
}

export interface SmsPumpingRisk {
  carrierRiskCategory: CarrierRiskCategory | null;
  numberBlocked: boolean | null;
  numberBlockedDate: Date | null;
  numberBlockedLast3Months: boolean | null;
  /** 0 (no risk) to 100. */
  score: number | null;
  errorCode: number | null;
}

export interface LineTypeIntelligence {
  type: LineType | null;
  carrierName: string | null;
  mobileCountryCode: string | null;
  mobileNetworkCode: string | null;
  errorCode: number | null;
}

export interface CallerName {
  callerName: string | null;
  callerType: CallerType | null;
  errorCode: number | null;
}

export interface IdentityMatch {
  firstNameMatch: MatchLevel | null;
  lastNameMatch: MatchLevel | null;
  addressLinesMatch: MatchLevel | null;
  cityMatch: MatchLevel | null;
  stateMatch: MatchLevel | null;
  postalCodeMatch: MatchLevel | null;
  addressCountryMatch: MatchLevel | null;
  nationalIdMatch: MatchLevel | null;
  dateOfBirthMatch: MatchLevel | null;
  /** 0 to 100. */
  summaryScore: number | null;
  errorCode: number | null;
  errorMessage: string | null;
}

/** A package is present only when it was asked for and Twilio returned it. */
export interface LookupResult {
  phoneNumber: string;
  valid: boolean;
  validationErrors: LookupValidationError[];
  callingCountryCode: string | null;
  countryCode: string | null;
  nationalFormat: string | null;
  smsPumpingRisk?: SmsPumpingRisk;
  lineType?: LineTypeIntelligence;
  callerName?: CallerName;
  identityMatch?: IdentityMatch;
}

export interface LookupProvider {
  lookup(phoneNumber: string, options: LookupOptions): Promise<LookupResult>;
}

/** LookupProvider over Twilio Lookup v2, through the SDK. */
export class TwilioLookupProvider implements LookupProvider {
  constructor(private readonly client: Twilio) {}

  lookup(phoneNumber: string, options: LookupOptions): Promise<LookupResult> {
    return callTwilio(async () =>
      fromPhoneNumber(
        await this.client.lookups.v2.phoneNumbers(phoneNumber).fetch({
          ...options.identity,
          fields: options.fields.join(','),
          countryCode: options.countryCode,
        }),
      ),
    );
  }
}

const VALIDATION_ERRORS: readonly LookupValidationError[] = [
  'TOO_SHORT',
  'TOO_LONG',
  'INVALID_BUT_POSSIBLE',
  'INVALID_COUNTRY_CODE',
  'INVALID_LENGTH',
  'NOT_A_NUMBER',
];
const RISK_CATEGORIES: readonly CarrierRiskCategory[] = ['low', 'mild', 'moderate', 'high'];
const CALLER_TYPES: readonly CallerType[] = ['CONSUMER', 'BUSINESS', 'UNDETERMINED'];
const MATCH_LEVELS: readonly MatchLevel[] = [
  'exact_match',
  'high_partial_match',
  'partial_match',
  'no_match',
  'no_data_available',
];

/** The SDK types every package as present; on the wire an unrequested one is null. */
function fromPhoneNumber(instance: PhoneNumberInstance): LookupResult {
  const result: LookupResult = {
    phoneNumber: instance.phoneNumber,
    valid: instance.valid === true,
    validationErrors: (instance.validationErrors ?? []).flatMap(
      (error) => member(VALIDATION_ERRORS, error) ?? [],
    ),
    callingCountryCode: text(instance.callingCountryCode),
    countryCode: text(instance.countryCode),
    nationalFormat: text(instance.nationalFormat),
  };
  const risk = present(instance.smsPumpingRisk);
  if (risk) {
    result.smsPumpingRisk = {
      carrierRiskCategory: member(RISK_CATEGORIES, risk.carrierRiskCategory),
      numberBlocked: flag(risk.numberBlocked),
      numberBlockedDate: date(risk.numberBlockedDate),
      numberBlockedLast3Months: flag(risk.numberBlockedLast3Months),
      score: count(risk.smsPumpingRiskScore),
      errorCode: count(risk.errorCode),
    };
  }
  const line = present(instance.lineTypeIntelligence);
  if (line) {
    result.lineType = {
      type: member(lookupLineTypes, line.type),
      carrierName: text(line.carrierName),
      mobileCountryCode: text(line.mobileCountryCode),
      mobileNetworkCode: text(line.mobileNetworkCode),
      errorCode: count(line.errorCode),
    };
  }
  const caller = present(instance.callerName);
  if (caller) {
    result.callerName = {
      callerName: text(caller.callerName),
      callerType: member(CALLER_TYPES, caller.callerType),
      errorCode: count(caller.errorCode),
    };
  }
  const identity = present(instance.identityMatch);
  if (identity) {
    result.identityMatch = {
      firstNameMatch: member(MATCH_LEVELS, identity.firstNameMatch),
      lastNameMatch: member(MATCH_LEVELS, identity.lastNameMatch),
      addressLinesMatch: member(MATCH_LEVELS, identity.addressLinesMatch),
      cityMatch: member(MATCH_LEVELS, identity.cityMatch),
      stateMatch: member(MATCH_LEVELS, identity.stateMatch),
      postalCodeMatch: member(MATCH_LEVELS, identity.postalCodeMatch),
      addressCountryMatch: member(MATCH_LEVELS, identity.addressCountryMatch),
      nationalIdMatch: member(MATCH_LEVELS, identity.nationalIdMatch),
      dateOfBirthMatch: member(MATCH_LEVELS, identity.dateOfBirthMatch),
      summaryScore: count(identity.summaryScore),
      errorCode: count(identity.errorCode),
      errorMessage: text(identity.errorMessage),
    };
  }
  return result;
}

function present<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

function member<T extends string>(values: readonly T[], value: unknown): T | null {
  return values.find((candidate) => candidate === value) ?? null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The SDK declares a Date but passes Twilio's string through. */
function date(value: unknown): Date | null {
  if (value instanceof Date) return value;
  return typeof value === 'string' ? new Date(value) : null;
}

function flag(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function count(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
