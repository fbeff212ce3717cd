import { twilioTimestamp } from './clock.js';
import { matchIdentity } from './identity-match.js';
import type { IdentityClaim, IdentityMatchJson } from './identity-match.js';
import type { NumberDirectory, NumberProfile } from './numbers.js';
import { parsePhoneNumber } from './phone-numbers.js';
import type { ValidationError } from './phone-numbers.js';

/** Every data package Lookup v2 knows; only the first four carry data here, the rest answer null. */
export const LOOKUP_FIELDS = [
  'sms_pumping_risk',
  'line_type_intelligence',
  'caller_name',
  'identity_match',
  'validation',
  'sim_swap',
  'call_forwarding',
  'line_status',
  'reassigned_number',
  'phone_number_quality_score',
  'pre_fill',
] as const;
export type LookupField = (typeof LOOKUP_FIELDS)[number];

export interface LookupQuery {
  fields: ReadonlySet<LookupField>;
  /** ISO country for numbers given in national format; Lookup assumes US. */
  countryCode: string;
  claim: IdentityClaim;
}

export interface LookupResponseJson {
  calling_country_code: string | null;
  country_code: string | null;
  phone_number: string;
  national_format: string | null;
  valid: boolean;
  validation_errors: ValidationError[];
  caller_name: { caller_name: string; caller_type: string; error_code: null } | null;
  sim_swap: null;
  call_forwarding: null;
  line_status: null;
  line_type_intelligence: {
    mobile_country_code: string;
    mobile_network_code: string;
    carrier_name: string;
    type: string;
    error_code: null;
  } | null;
  identity_match: IdentityMatchJson | null;
  reassigned_number: null;
  sms_pumping_risk: {
    carrier_risk_category: string;
    number_blocked: boolean;
    number_blocked_date: string | null;
    number_blocked_last_3_months: boolean;
    sms_pumping_risk_score: number;
    error_code: null;
  } | null;
  phone_number_quality_score: null;
  pre_fill: null;
  url: string;
}

/** Answers `GET /v2/PhoneNumbers/{PhoneNumber}`: packages that were not asked for, or for an invalid number, are null. */
export function lookUpPhoneNumber(
  input: string,
  query: LookupQuery,
  numbers: NumberDirectory,
): LookupResponseJson {
  const parsed = parsePhoneNumber(input, query.countryCode);
  const profile = parsed.valid ? numbers.profile(parsed.phoneNumber) : undefined;
  const section = <T>(field: LookupField, build: (owner: NumberProfile) => T): T | null =>
    profile !== undefined && query.fields.has(field) ? build(profile) : null;
  return {
    calling_country_code: parsed.callingCountryCode,
    country_code: parsed.countryCode,
    phone_number: parsed.phoneNumber,
    national_format: parsed.nationalFormat,
    valid: parsed.valid,
    validation_errors: parsed.validationErrors,
    caller_name: section('caller_name', (p) => ({
      caller_name: p.callerName,
      caller_type: p.callerType,
      error_code: null,
    })),
    sim_swap: null,
    call_forwarding: null,
    line_status: null,
    line_type_intelligence: section('line_type_intelligence', (p) => ({
      mobile_country_code: p.mobileCountryCode,
      mobile_network_code: p.mobileNetworkCode,
      carrier_name: p.carrierName,
      type: p.lineType,
      error_code: null,
    })),
    identity_match: section('identity_match', (p) => matchIdentity(query.claim, p)),
    reassigned_number: null,
    sms_pumping_risk: section('sms_pumping_risk', (p) => ({
      carrier_risk_category: p.carrierRiskCategory,
      number_blocked: p.blocked,
      number_blocked_date: p.blockedAt && twilioTimestamp(p.blockedAt),
      number_blocked_last_3_months: p.blocked,
      sms_pumping_risk_score: p.smsPumpingRiskScore,
      error_code: null,
    })),
    phone_number_quality_score: null,
    pre_fill: null,
    url: `https://lookups.twilio.com/v2/PhoneNumbers/${parsed.phoneNumber}`,
  };
}
