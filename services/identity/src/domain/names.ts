import type { NameMatchResult } from '@attestor/contracts';
import { editDistance } from './edit-distance.js';
import {
  nameReadings,
  surnameParticles,
  type NameInput,
  type NameParts,
  type NameToken,
} from './name-parts.js';
import { areNicknames } from './nicknames.js';

export type { NameInput } from './name-parts.js';
export { hasName } from './name-parts.js';

/**
 * compareNames: how well two written names denote the same person, as the SDL's NameComparison.
 * Scores, thresholds and the meaning of each reason are documented in docs/name-matching.md.
 */
export const NameMatchReason = {
  TRANSPOSED: 'TRANSPOSED',
  NICKNAME: 'NICKNAME',
  INITIAL: 'INITIAL',
  TYPO: 'TYPO',
  TRANSLITERATION: 'TRANSLITERATION',
  COMPOUND_NAME: 'COMPOUND_NAME',
  MIDDLE_NAME_MISSING: 'MIDDLE_NAME_MISSING',
} as const;
export type NameMatchReason = (typeof NameMatchReason)[keyof typeof NameMatchReason];
const reasonOrder = Object.values(NameMatchReason);

export interface NameComponentMatch {
  result: NameMatchResult;
  /** 0..1 */
  score: number;
  reasons: NameMatchReason[];
}

export interface NameComparison extends NameComponentMatch {
  first: NameComponentMatch | null;
  last: NameComponentMatch | null;
}

/** The score each kind of agreement earns; a word pair takes the best kind that applies. */
export const wordScores = {
  exact: 1,
  transliteration: 0.95,
  nickname: 0.9,
  oneTypo: 0.9,
  twoTypos: 0.85,
  compound: 0.9,
  shortForm: 0.8,
  initial: 0.75,
  /** Ceiling of the plain similarity (1 − distance / length) of words that matched no kind above. */
  similarityCeiling: 0.8,
} as const;

/** Score → result, for a component and for the whole name. */
export const resultThresholds = { exact: 1, highPartial: 0.85, partial: 0.7 } as const;

/** Weights of the components in the whole-name score: surnames tell people apart better. */
export const componentWeights = { first: 0.4, last: 0.6 } as const;

/** Ceilings on the whole-name score when the names differ in shape. */
export const nameCeilings = {
  /** Some part present on both sides is not exactly equal, or a middle name is on one side only. */
  notIdentical: 0.95,
  transposed: 0.9,
  /** Both have middle names and they do not match: likely relatives (John A. vs John B. Smith). */
  middleNamesDiffer: 0.8,
  /** Only one side has both a first and a last name: at most a partial match. */
  incompleteFactor: 0.75,
} as const;

export function resultOf(score: number): NameMatchResult {
  if (score >= resultThresholds.exact) return 'EXACT_MATCH';
  if (score >= resultThresholds.highPartial) return 'HIGH_PARTIAL_MATCH';
  if (score >= resultThresholds.partial) return 'PARTIAL_MATCH';
  return 'NO_MATCH';
}

type Role = 'first' | 'middle' | 'last';

interface Scored {
  score: number;
  reasons: NameMatchReason[];
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function sortedReasons(reasons: Iterable<NameMatchReason>): NameMatchReason[] {
  const set = new Set(reasons);
  return reasonOrder.filter((reason) => set.has(reason));
}

function forms(token: NameToken): string[] {
  return token.variant === token.text ? [token.text] : [token.text, token.variant];
}

/** Two words, one per side, as the same name in the role given. */
function compareWords(x: NameToken, y: NameToken, role: Role): Scored {
  const crossScript = x.transliterated !== y.transliterated;
  const transliteration: NameMatchReason[] = crossScript ? [NameMatchReason.TRANSLITERATION] : [];
  if (x.text === y.text) {
    return crossScript
      ? { score: wordScores.transliteration, reasons: transliteration }
      : { score: wordScores.exact, reasons: [] };
  }
  const pairs = forms(x).flatMap((fx) => forms(y).map((fy) => [fx, fy] as const));
  if (pairs.some(([fx, fy]) => fx === fy)) {
    return { score: wordScores.transliteration, reasons: [NameMatchReason.TRANSLITERATION] };
  }
  const givenName = role !== 'last';
  if (givenName && pairs.some(([fx, fy]) => areNicknames(fx, fy))) {
    return { score: wordScores.nickname, reasons: [NameMatchReason.NICKNAME, ...transliteration] };
  }
  const [short, long] = x.text.length <= y.text.length ? [x.text, y.text] : [y.text, x.text];
  if (short.length === 1) {
    return long.startsWith(short)
      ? { score: wordScores.initial, reasons: [NameMatchReason.INITIAL] }
      : { score: 0, reasons: [] };
  }
  let closest = { distance: Number.POSITIVE_INFINITY, length: 1, viaVariant: false };
  for (const [fx, fy] of pairs) {
    const distance = editDistance(fx, fy);
    if (distance < closest.distance) {
      closest = {
        distance,
        length: Math.max(fx.length, fy.length),
        viaVariant: fx !== x.text || fy !== y.text,
      };
    }
  }
  const allowedTypos = closest.length >= 9 ? 2 : closest.length >= 4 ? 1 : 0;
  if (closest.distance <= allowedTypos) {
    const spelled = crossScript || closest.viaVariant ? [NameMatchReason.TRANSLITERATION] : [];
    return {
      score: closest.distance === 1 ? wordScores.oneTypo : wordScores.twoTypos,
      reasons: [NameMatchReason.TYPO, ...spelled],
    };
  }
  if (givenName && short.length >= 3 && long.startsWith(short)) {
    return { score: wordScores.shortForm, reasons: [NameMatchReason.NICKNAME] };
  }
  return {
    score: Math.min(wordScores.similarityCeiling, Math.max(0, 1 - closest.distance / closest.length)),
    reasons: [],
  };
}

function joined(tokens: NameToken[]): NameToken {
  return {
    text: tokens.map((t) => t.text).join(''),
    variant: tokens.map((t) => t.variant).join(''),
    transliterated: tokens.some((t) => t.transliterated),
  };
}

/** Word by word, each word of the shorter side with its best partner on the other (order free). */
function compareAligned(xs: NameToken[], ys: NameToken[], role: Role): Scored {
  const strip = (tokens: NameToken[]) => {
    const kept = role === 'last' ? tokens.filter((t) => !surnameParticles.has(t.text)) : tokens;
    return kept.length > 0 ? kept : tokens;
  };
  const [shorter, longer] =
    strip(xs).length <= strip(ys).length ? [strip(xs), strip(ys)] : [strip(ys), strip(xs)];
  const unused = new Set(longer.keys());
  let total = 0;
  const reasons: NameMatchReason[] = [];
  for (const word of shorter) {
    let best: { index: number; scored: Scored } | undefined;
    for (const index of unused) {
      const scored = compareWords(word, longer[index] as NameToken, role);
      if (!best || scored.score > best.scored.score) best = { index, scored };
    }
    if (!best) break;
    unused.delete(best.index);
    // A word that does not match counts nothing, as a component does in the whole-name score.
    total += best.scored.score >= resultThresholds.partial ? best.scored.score : 0;
    reasons.push(...best.scored.reasons);
  }
  const average = total / shorter.length;
  if (unused.size > 0) {
    return {
      score: Math.min(average, wordScores.compound),
      reasons: [...reasons, NameMatchReason.COMPOUND_NAME],
    };
  }
  // Same words, other spacing or order: close, but not written identically.
  return { score: Math.min(average, wordScores.transliteration), reasons };
}

function compareComponent(xs: NameToken[], ys: NameToken[], role: Role): NameComponentMatch | null {
  if (xs.length === 0 || ys.length === 0) return null;
  let best = compareWords(joined(xs), joined(ys), role);
  if (best.score < wordScores.exact && (xs.length > 1 || ys.length > 1)) {
    const aligned = compareAligned(xs, ys, role);
    if (aligned.score > best.score) best = aligned;
  }
  const score = round(best.score);
  return { result: resultOf(score), score, reasons: sortedReasons(best.reasons) };
}

/** A component counts for its weight only when it matches at least partially. */
function weighted(first: NameComponentMatch, last: NameComponentMatch): number {
  const counted = (c: NameComponentMatch) => (c.result === 'NO_MATCH' ? 0 : c.score);
  return componentWeights.first * counted(first) + componentWeights.last * counted(last);
}

function comparison(
  score: number,
  first: NameComponentMatch | null,
  last: NameComponentMatch | null,
  reasons: NameMatchReason[],
): NameComparison {
  const rounded = round(score);
  return { result: resultOf(rounded), score: rounded, first, last, reasons: sortedReasons(reasons) };
}

const exactComponent = (): NameComponentMatch => ({ result: 'EXACT_MATCH', score: 1, reasons: [] });

/** One side lacks a first or a last name: the best pairing of what there is, scaled down. */
function compareIncomplete(a: NameParts, b: NameParts): NameComparison {
  const parts = (p: NameParts) =>
    (['first', 'last'] as const)
      .filter((role) => p[role].length > 0)
      .map((role) => ({ role, tokens: p[role] }));
  const bComplete = b.first.length > 0 && b.last.length > 0;
  let best: { slot: 'first' | 'last'; match: NameComponentMatch } | undefined;
  for (const x of parts(a)) {
    for (const y of parts(b)) {
      const role = x.role === 'first' || y.role === 'first' ? 'first' : 'last';
      const match = compareComponent(x.tokens, y.tokens, role);
      if (match && (!best || match.score > best.match.score))
        best = { slot: bComplete ? y.role : x.role, match };
    }
  }
  if (!best) return comparison(0, null, null, []);
  const score = best.match.score * nameCeilings.incompleteFactor;
  return comparison(
    score,
    best.slot === 'first' ? best.match : null,
    best.slot === 'last' ? best.match : null,
    best.match.reasons,
  );
}

const hasMiddle = (p: NameParts) => p.middle.length > 0 || p.middleInSurname === true;

/** How well two written names denote the same person: the best pairing of their readings. */
export function compareNames(a: NameInput, b: NameInput): NameComparison {
  let best: NameComparison | undefined;
  for (const pa of nameReadings(a)) {
    for (const pb of nameReadings(b)) {
      // Moving middle words into the surname is for meeting a name without them, never a way around
      // a middle name that disagrees.
      if ((pa.middleInSurname && hasMiddle(pb)) || (pb.middleInSurname && hasMiddle(pa))) continue;
      const candidate = compareParts(pa, pb);
      if (!best || candidate.score > best.score) best = candidate;
    }
  }
  return best ?? comparison(0, null, null, []);
}

function compareParts(pa: NameParts, pb: NameParts): NameComparison {
  const complete = (p: NameParts) => p.first.length > 0 && p.last.length > 0;
  if (!complete(pa) || !complete(pb)) return compareIncomplete(pa, pb);

  const straight = {
    first: compareComponent(pa.first, pb.first, 'first') ?? exactComponent(),
    last: compareComponent(pa.last, pb.last, 'last') ?? exactComponent(),
  };
  const swapped = {
    first: compareComponent(pa.first, pb.last, 'first') ?? exactComponent(),
    last: compareComponent(pa.last, pb.first, 'last') ?? exactComponent(),
  };
  const transposed =
    weighted(swapped.first, swapped.last) > weighted(straight.first, straight.last) &&
    swapped.first.result !== 'NO_MATCH' &&
    swapped.last.result !== 'NO_MATCH';
  const { last } = transposed ? swapped : straight;
  let { first } = transposed ? swapped : straight;
  const reasons: NameMatchReason[] = [];
  let ceiling = 1;

  if (pa.middle.length > 0 || pb.middle.length > 0) {
    const givenNames = (p: NameParts) => joined([...p.first, ...p.middle]).text;
    if (!transposed && givenNames(pa) === givenNames(pb)) {
      // "Mary Ann" as a first name on one side, "Mary" + middle "Ann" on the other: the same given names.
      first = exactComponent();
    } else if (pa.middle.length > 0 && pb.middle.length > 0) {
      const middle = compareComponent(pa.middle, pb.middle, 'middle') ?? exactComponent();
      reasons.push(...middle.reasons);
      if (middle.result === 'NO_MATCH') ceiling = nameCeilings.middleNamesDiffer;
      else if (middle.score < 1) ceiling = nameCeilings.notIdentical;
    } else {
      reasons.push(NameMatchReason.MIDDLE_NAME_MISSING);
      ceiling = nameCeilings.notIdentical;
    }
  }
  if (transposed) {
    reasons.push(NameMatchReason.TRANSPOSED);
    ceiling = Math.min(ceiling, nameCeilings.transposed);
  }
  reasons.push(...first.reasons, ...last.reasons);
  return comparison(Math.min(weighted(first, last), ceiling), first, last, reasons);
}
