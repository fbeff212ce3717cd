import type { NameMatchResult } from '@attestor/contracts';

/**
 * Combining what the carrier told us into the step's verdict. Our own comparison of the ID name with
 * the carrier's caller name is the verdict; Twilio's identity_match levels (its comparison of the
 * inquiry's names with its own data) are evidence that can confirm, lower or raise it by one step,
 * never decide alone against a name we compared. Documented in docs/name-matching.md.
 */
export type MatchLevel =
  'exact_match' | 'high_partial_match' | 'partial_match' | 'no_match' | 'no_data_available';

export interface IdentityMatchEvidence {
  firstNameMatch: MatchLevel | null;
  lastNameMatch: MatchLevel | null;
}

export interface Verdict {
  result: NameMatchResult;
  score: number | null;
  reasons: string[];
}

export const EvidenceReason = {
  /** The carrier holds no caller name for the number. */
  NO_CALLER_NAME: 'NO_CALLER_NAME',
  /** The number is a business line: its caller name is a business, not a person. */
  BUSINESS_LINE: 'BUSINESS_LINE',
  /** Lookup knows nothing of the number. */
  NUMBER_UNKNOWN: 'NUMBER_UNKNOWN',
  /** identity_match agrees that first and last name match. */
  IDENTITY_MATCH_CONFIRMS: 'IDENTITY_MATCH_CONFIRMS',
  /** identity_match says a name we matched does not match its data: a reviewer should look. */
  IDENTITY_MATCH_DISAGREES: 'IDENTITY_MATCH_DISAGREES',
  /** No caller name, but identity_match compared the names with the carrier's own data. */
  IDENTITY_MATCH_ONLY: 'IDENTITY_MATCH_ONLY',
} as const;

const rank: Record<Exclude<NameMatchResult, 'NO_DATA_AVAILABLE'>, number> = {
  NO_MATCH: 0,
  PARTIAL_MATCH: 1,
  HIGH_PARTIAL_MATCH: 2,
  EXACT_MATCH: 3,
};
const byRank = ['NO_MATCH', 'PARTIAL_MATCH', 'HIGH_PARTIAL_MATCH', 'EXACT_MATCH'] as const;

const levelRank: Record<Exclude<MatchLevel, 'no_data_available'>, number> = {
  no_match: 0,
  partial_match: 1,
  high_partial_match: 2,
  exact_match: 3,
};

function compared(level: MatchLevel | null): number | null {
  return level === null || level === 'no_data_available' ? null : levelRank[level];
}

/** What identity_match alone says, when both names were compared: the weaker of the two levels. */
function identityVerdict(evidence: IdentityMatchEvidence): (typeof byRank)[number] | null {
  const first = compared(evidence.firstNameMatch);
  const last = compared(evidence.lastNameMatch);
  if (first === null || last === null) return null;
  // The surname matches but the given name does not: a relative's number, for a reviewer (partial).
  if (first === levelRank.no_match && last >= levelRank.high_partial_match) return 'PARTIAL_MATCH';
  return byRank[Math.min(first, last)] ?? null;
}

/**
 * The step's verdict from our comparison (null when the carrier gave no usable name, with why) and
 * identity_match (null when not asked or not answered).
 */
export function combineEvidence(
  comparison: Verdict | null,
  noNameReason: string | null,
  evidence: IdentityMatchEvidence | null,
): Verdict {
  const fromIdentity = evidence ? identityVerdict(evidence) : null;
  if (comparison === null) {
    if (fromIdentity === null) {
      return {
        result: 'NO_DATA_AVAILABLE',
        score: null,
        reasons: [noNameReason ?? EvidenceReason.NO_CALLER_NAME],
      };
    }
    // identity_match compared the names with the carrier's data: at most a high partial on its own.
    const result = byRank[Math.min(rank[fromIdentity], rank.HIGH_PARTIAL_MATCH)] ?? 'NO_MATCH';
    return {
      result,
      score: null,
      reasons: [noNameReason ?? EvidenceReason.NO_CALLER_NAME, EvidenceReason.IDENTITY_MATCH_ONLY],
    };
  }
  if (comparison.result === 'NO_DATA_AVAILABLE' || fromIdentity === null) return comparison;
  const ours = rank[comparison.result];
  const theirs = rank[fromIdentity];
  if (ours >= rank.HIGH_PARTIAL_MATCH && theirs === rank.NO_MATCH) {
    return {
      result: 'PARTIAL_MATCH',
      score: comparison.score,
      reasons: [...comparison.reasons, EvidenceReason.IDENTITY_MATCH_DISAGREES],
    };
  }
  if (ours === rank.PARTIAL_MATCH && theirs >= rank.HIGH_PARTIAL_MATCH) {
    return {
      result: 'HIGH_PARTIAL_MATCH',
      score: comparison.score,
      reasons: [...comparison.reasons, EvidenceReason.IDENTITY_MATCH_CONFIRMS],
    };
  }
  if (theirs >= rank.HIGH_PARTIAL_MATCH && ours >= rank.HIGH_PARTIAL_MATCH) {
    return { ...comparison, reasons: [...comparison.reasons, EvidenceReason.IDENTITY_MATCH_CONFIRMS] };
  }
  return comparison;
}
