/**
 * The numbers of name matching, shared by components and the whole name: the result thresholds,
 * the weights of first and last names, and the ceilings a name's shape puts on its score
 * (docs/name-matching.md, "The whole name").
 */
import type { NameMatchResult } from '@attestor/contracts';
import type { NameMatchReason } from './reasons.js';

export interface NameComponentMatch {
  result: NameMatchResult;
  /** 0..1 */
  score: number;
  reasons: NameMatchReason[];
}

/** Score → result, for a component and for the whole name. */
export const resultThresholds = { exact: 1, highPartial: 0.85, partial: 0.7 } as const;

/** Weights of the components in the whole-name score: surnames tell people apart better. */
export const componentWeights = { first: 0.4, last: 0.6 } as const;

/** Ceilings on the whole-name score when the names differ in shape. */
export const nameCeilings = {
  /** A middle name on one side only, or middle names that agree without being written alike. */
  notIdentical: 0.95,
  /** Surname particles on one side only (van der Berg/Berg). */
  particle: 0.92,
  /** A component with words left over on one side (García López/García, Mary Ann/Mary). */
  compound: 0.9,
  transposed: 0.9,
  /** The highest partial match: an initial, a middle name as first name, middle names that differ, Jr/Sr. */
  partial: 0.8,
  /** The score of a shared surname with another given name: a family member, for a reviewer. */
  sharedSurname: 0.7,
  /** The surname score a shared surname needs (written alike, transliterated or gendered). */
  sharedSurnameAtLeast: 0.9,
  /** Below the partial threshold: what a different person scores at most. */
  different: 0.69,
  /** Only one side has both a first and a last name: at most a partial match. */
  incompleteFactor: 0.75,
} as const;

export function resultOf(score: number): NameMatchResult {
  if (score >= resultThresholds.exact) return 'EXACT_MATCH';
  if (score >= resultThresholds.highPartial) return 'HIGH_PARTIAL_MATCH';
  if (score >= resultThresholds.partial) return 'PARTIAL_MATCH';
  return 'NO_MATCH';
}

/** Scores are reported to 3 decimals. */
export const round = (value: number) => Math.round(value * 1000) / 1000;
