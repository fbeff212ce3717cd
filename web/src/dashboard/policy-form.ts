import type { FraudMode, FraudPolicyInput, PolicyDetailFragment } from '../graphql/generated.js';

/** The policy as the editor holds it: numbers as the text in their fields, so a field can be empty. */
export interface PolicyForm {
  mode: FraudMode;
  blockLineTypes: string[];
  /** Of the refused line types, those a voice call may reach instead. */
  callLineTypes: string[];
  maxSmsPerDay: string;
  /** Score thresholds; empty: the service's (60 and 90 unless configured). */
  challengeAt: string;
  blockAt: string;
  challengeAcceptsCall: boolean;
  countries: Array<{ key: number; countryCode: string; smsAllowed: boolean; maxPerHour: string }>;
}

/** A key for a new country row, unlike every other row's (React keeps each row's inputs apart by it). */
export function nextRowKey(form: PolicyForm): number {
  return Math.max(0, ...form.countries.map((row) => row.key)) + 1;
}

export function formOf(policy: PolicyDetailFragment): PolicyForm {
  return {
    mode: policy.mode,
    blockLineTypes: [...policy.blockLineTypes],
    callLineTypes: [...policy.callLineTypes],
    maxSmsPerDay: policy.maxSmsPerDay === null ? '' : String(policy.maxSmsPerDay),
    challengeAt: String(policy.challengeAt),
    blockAt: String(policy.blockAt),
    challengeAcceptsCall: policy.challengeAcceptsCall,
    countries: policy.countries.map((country, index) => ({
      key: index + 1,
      countryCode: country.countryCode,
      smsAllowed: country.smsAllowed,
      maxPerHour: country.maxPerHour === null ? '' : String(country.maxPerHour),
    })),
  };
}

export type PolicyProblem = { field: string; message: string };

const cap = (text: string, field: string): number | null | PolicyProblem => {
  if (text.trim() === '') return null;
  const value = Number(text);
  return Number.isInteger(value) && value >= 0
    ? value
    : { field, message: 'Enter a whole number, 0 or more, or leave it empty for no cap.' };
};
const score = (text: string, field: string): number | PolicyProblem => {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= 0 && value <= 100
    ? value
    : { field, message: 'Enter a whole number from 0 to 100.' };
};
const isProblem = (value: unknown): value is PolicyProblem =>
  typeof value === 'object' && value !== null && 'field' in value;

/**
 * The whole policy for updateFraudPolicy (every field given, so what is saved is what is shown), or
 * the first field the API would refuse, named as the API names it (`input.countries[0].maxPerHour`).
 */
export function inputOf(form: PolicyForm): FraudPolicyInput | PolicyProblem {
  const maxSmsPerDay = cap(form.maxSmsPerDay, 'input.maxSmsPerDay');
  if (isProblem(maxSmsPerDay)) return maxSmsPerDay;
  const challengeAt = score(form.challengeAt, 'input.challengeAt');
  if (isProblem(challengeAt)) return challengeAt;
  const blockAt = score(form.blockAt, 'input.blockAt');
  if (isProblem(blockAt)) return blockAt;
  if (challengeAt >= blockAt) {
    return { field: 'input.challengeAt', message: 'The challenge score must be below the block score.' };
  }
  const countries: NonNullable<FraudPolicyInput['countries']> = [];
  const seen = new Set<string>();
  for (const [index, row] of form.countries.entries()) {
    const countryCode = row.countryCode.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(countryCode) || seen.has(countryCode)) {
      return { field: `input.countries[${index}].countryCode`, message: 'Choose each country once.' };
    }
    seen.add(countryCode);
    const maxPerHour = cap(row.maxPerHour, `input.countries[${index}].maxPerHour`);
    if (isProblem(maxPerHour)) return maxPerHour;
    countries.push({ countryCode, smsAllowed: row.smsAllowed, maxPerHour });
  }
  return {
    mode: form.mode,
    blockLineTypes: form.blockLineTypes,
    callLineTypes: form.callLineTypes,
    maxSmsPerDay,
    challengeAt,
    blockAt,
    challengeAcceptsCall: form.challengeAcceptsCall,
    countries,
  };
}

export const isPolicyProblem = isProblem;
