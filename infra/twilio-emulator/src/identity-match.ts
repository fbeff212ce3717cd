import type { NumberProfile } from './numbers.js';

export type MatchLevel =
  'exact_match' | 'high_partial_match' | 'partial_match' | 'no_match' | 'no_data_available';

/** What the caller claims about the number's owner (Lookup's identity_match query parameters). */
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
  dateOfBirth?: string;
}

export interface IdentityMatchJson {
  first_name_match: MatchLevel;
  last_name_match: MatchLevel;
  address_lines_match: MatchLevel;
  city_match: MatchLevel;
  state_match: MatchLevel;
  postal_code_match: MatchLevel;
  address_country_match: MatchLevel;
  national_id_match: MatchLevel;
  date_of_birth_match: MatchLevel;
  summary_score: number;
  error_code: null;
  error_message: null;
}

/** Twilio's per-attribute scale (10 exact, 9 high partial, 5 partial, 0 none), as a percentage. */
const LEVEL_SCORE: Record<Exclude<MatchLevel, 'no_data_available'>, number> = {
  exact_match: 100,
  high_partial_match: 90,
  partial_match: 50,
  no_match: 0,
};

/**
 * Compares the claim with the owner on file. The emulator only holds names, so every other
 * attribute reads `no_data_available`; the summary averages the compared names.
 */
export function matchIdentity(claim: IdentityClaim, owner: NumberProfile): IdentityMatchJson {
  const first = matchName(claim.firstName, owner.firstName);
  const last = matchName(claim.lastName, owner.lastName);
  const compared = [first, last].filter((level) => level !== 'no_data_available');
  const total = compared.reduce((sum, level) => sum + LEVEL_SCORE[level], 0);
  return {
    first_name_match: first,
    last_name_match: last,
    address_lines_match: 'no_data_available',
    city_match: 'no_data_available',
    state_match: 'no_data_available',
    postal_code_match: 'no_data_available',
    address_country_match: 'no_data_available',
    national_id_match: 'no_data_available',
    date_of_birth_match: 'no_data_available',
    summary_score: compared.length === 0 ? 0 : Math.round(total / compared.length),
    error_code: null,
    error_message: null,
  };
}

/** Exact after folding case and accents; high partial for a typo or a short form ("Jon" for "Jonathan"). */
export function matchName(claimed: string | undefined, onFile: string | null): MatchLevel {
  const a = fold(claimed ?? '');
  const b = fold(onFile ?? '');
  if (a === '' || b === '') return 'no_data_available';
  if (a === b) return 'exact_match';
  const similarity = 1 - editDistance(a, b) / Math.max(a.length, b.length);
  const shortForm = Math.min(a.length, b.length) >= 3 && (a.startsWith(b) || b.startsWith(a));
  if (similarity >= 0.8 || shortForm) return 'high_partial_match';
  if (similarity >= 0.5) return 'partial_match';
  return 'no_match';
}

function fold(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
