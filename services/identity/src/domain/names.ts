/**
 * compareNames: how well two written names denote the same person, as the SDL's NameComparison.
 * Words are compared in word-match.ts; this module reads both names every way they can be read
 * (name-parts.ts), compares components (first, middle, last) and decides the whole by the rules of
 * docs/name-matching.md, "The whole name": same given name and surname → a match; an initial, a
 * middle name in the first name's place, a shared surname alone → a partial match for a reviewer;
 * anything else → no match.
 */
import { compareComponent, component, exactComponent, joined } from './components.js';
import type { Word } from './letters.js';
import { allReadings, type NameInput, type NameParts } from './name-parts.js';
import { isKnownGivenName, isKnownSurname } from './nicknames.js';
import { NameMatchReason, sortedReasons } from './reasons.js';
import {
  componentWeights,
  nameCeilings,
  resultOf,
  resultThresholds,
  round,
  type NameComponentMatch,
} from './scoring.js';
import { compareWords } from './word-match.js';

export type { NameInput } from './name-parts.js';
export { hasName } from './name-parts.js';
export { NameMatchReason } from './reasons.js';
export { wordScores } from './word-match.js';
export { componentWeights, nameCeilings, resultOf, resultThresholds } from './scoring.js';
export type { NameComponentMatch } from './scoring.js';

const {
  INITIAL,
  TRANSPOSED,
  MIDDLE_NAME_MISSING,
  MIDDLE_NAME_AS_FIRST,
  MIDDLE_NAME_DIFFERS,
  HONORIFIC_REMOVED,
  SUFFIX_REMOVED,
  SUFFIX_DIFFERS,
  SHARED_SURNAME_ONLY,
  DIFFERENT_PERSON,
} = NameMatchReason;

const isSingleLetter = (word: Word) => word.text.length === 1;

export interface NameComparison extends NameComponentMatch {
  first: NameComponentMatch | null;
  last: NameComponentMatch | null;
}

/** A reading pair's comparison and its score before ceilings, which breaks ties between readings. */
interface Candidate {
  comparison: NameComparison;
  raw: number;
}

interface GivenNames {
  first: NameComponentMatch;
  /** What the middle names allow the whole name at most. */
  ceiling: number;
  reasons: NameMatchReason[];
}

/** True when the given name (joined) is one of the other side's middle names. */
function isAMiddleName(names: Word[], middles: Word[]): boolean {
  if (names.length === 0) return false;
  const name = joined(names);
  for (const middle of middles)
    if (compareWords(name, middle, 'first').score >= resultThresholds.highPartial) return true;
  return false;
}

/** The given names of two readings: the first names, then what the middle names say. */
function compareGiven(pa: NameParts, pb: NameParts): GivenNames {
  const first = compareComponent(pa.first, pb.first, 'first') ?? exactComponent();
  if (pa.middle.length === 0 && pb.middle.length === 0) return { first, ceiling: 1, reasons: [] };

  // All given names together: "Mary Ann" as a first name vs "Mary" + middle "Ann", José María vs Chema.
  const givenA = [...pa.first, ...pa.middle];
  const givenB = [...pb.first, ...pb.middle];
  // As many given words, split otherwise between first and middle (Ji-woo / Ji + Hoo): word by word.
  const resplit = givenA.length === givenB.length && pa.first.length !== pb.first.length;
  const together = resplit
    ? (compareComponent(givenA, givenB, 'first') ?? exactComponent())
    : compareWords(joined(givenA), joined(givenB), 'first');
  if (together.score >= resultThresholds.highPartial && together.score >= first.score)
    return { first: component(together.score, together.reasons), ceiling: 1, reasons: [] };
  if (resplit && together.score < resultThresholds.partial)
    return { first: component(together.score, together.reasons), ceiling: 1, reasons: [] };

  if (first.score < resultThresholds.partial) {
    // The given name of one side is a middle name of the other (John Michael Smith / Michael Smith).
    if (isAMiddleName(pa.first, pb.middle) || isAMiddleName(pb.first, pa.middle))
      return {
        first: component(nameCeilings.partial, [MIDDLE_NAME_AS_FIRST]),
        ceiling: nameCeilings.partial,
        reasons: [],
      };
    return { first, ceiling: 1, reasons: [] };
  }
  if (pa.middle.length > 0 && pb.middle.length > 0) {
    const middle = compareComponent(pa.middle, pb.middle, 'middle') ?? exactComponent();
    if (middle.result === 'NO_MATCH')
      return { first, ceiling: nameCeilings.partial, reasons: [MIDDLE_NAME_DIFFERS] };
    // J. Michael Smith / John Michael Smith: an initial confirmed by a middle name written out.
    if (
      first.score < resultThresholds.highPartial &&
      first.reasons.includes(INITIAL) &&
      middle.score >= resultThresholds.highPartial &&
      !pa.middle.some(isSingleLetter) &&
      !pb.middle.some(isSingleLetter)
    )
      return {
        first: component(resultThresholds.highPartial, first.reasons),
        ceiling: nameCeilings.notIdentical,
        reasons: middle.reasons,
      };
    return { first, ceiling: middle.score < 1 ? nameCeilings.notIdentical : 1, reasons: middle.reasons };
  }
  return {
    first,
    ceiling: extraGivenWord(pa, pb) ? nameCeilings.partial : nameCeilings.notIdentical,
    reasons: [MIDDLE_NAME_MISSING],
  };
}

/** Vietnamese middle names that mark gender (Văn, Thị): left out freely. */
const genderMarkers = new Set(['van', 'thi']);
const isOtherGivenWord = (w: Word) => w.text.length > 1 && !genderMarkers.has(w.text);

/**
 * A family-first reading with a given word the other name lacks (WANG WEI MING / Wei Wang, NGUYEN
 * MINH TRI / Minh Nguyen): East Asian given names are written as separate syllables, so the word is
 * more likely part of another given name than a middle name left out (and a carrier's 15-letter
 * CNAM record seldom spells a middle name out). A reviewer looks.
 */
function extraGivenWord(pa: NameParts, pb: NameParts): boolean {
  if (pa.surnameFirst === pb.surnameFirst) return false;
  const [familyFirst, other] = pa.surnameFirst ? [pa, pb] : [pb, pa];
  return other.middle.length === 0 && familyFirst.middle.some(isOtherGivenWord);
}

function comparison(
  score: number,
  first: NameComponentMatch | null,
  last: NameComponentMatch | null,
  reasons: NameMatchReason[],
): NameComparison {
  const rounded = round(score);
  const result = resultOf(rounded);
  // A different person is that, whatever a reading that failed had in common; the components tell the rest.
  if (result === 'NO_MATCH')
    return { result, score: rounded, first, last, reasons: first || last ? [DIFFERENT_PERSON] : [] };
  return { result, score: rounded, first, last, reasons: sortedReasons(reasons) };
}

const generationsOf = (p: NameParts) =>
  p.suffixes.length === 0 ? p.suffixes : p.suffixes.filter(isGeneration);
const isGeneration = (suffix: string) => suffix !== 'other';
const noTrimmings = { ceiling: 1, reasons: [] as NameMatchReason[] };

/** What the two inputs' titles and suffixes say, whichever reading. */
function trimmings(pa: NameParts, pb: NameParts): { ceiling: number; reasons: NameMatchReason[] } {
  if (!pa.honorific && !pb.honorific && pa.suffixes.length === 0 && pb.suffixes.length === 0)
    return noTrimmings;
  const reasons: NameMatchReason[] = [];
  let ceiling = 1;
  if (pa.honorific !== pb.honorific) reasons.push(HONORIFIC_REMOVED);
  const ga = generationsOf(pa);
  const gb = generationsOf(pb);
  if (ga.length > 0 && gb.length > 0 && !ga.some((g) => gb.includes(g))) {
    reasons.push(SUFFIX_DIFFERS);
    ceiling = nameCeilings.partial;
  } else if (pa.suffixes.join() !== pb.suffixes.join()) reasons.push(SUFFIX_REMOVED);
  return { ceiling, reasons };
}

/** One side lacks a first or a last name: the best pairing of what there is, scaled down. */
function partsOf(p: NameParts) {
  return (['first', 'last'] as const)
    .filter((role) => p[role].length > 0)
    .map((role) => ({ role, words: p[role] }));
}

function compareIncomplete(a: NameParts, b: NameParts): NameComparison {
  const bComplete = b.first.length > 0 && b.last.length > 0;
  let best: { slot: 'first' | 'last'; match: NameComponentMatch } | undefined;
  for (const x of partsOf(a)) {
    for (const y of partsOf(b)) {
      const role = x.role === 'first' || y.role === 'first' ? 'first' : 'last';
      const match = compareComponent(x.words, y.words, role);
      if (match && (!best || match.score > best.match.score))
        best = { slot: bComplete ? y.role : x.role, match };
    }
  }
  if (!best) return comparison(0, null, null, []);
  return comparison(
    best.match.score * nameCeilings.incompleteFactor,
    best.slot === 'first' ? best.match : null,
    best.slot === 'last' ? best.match : null,
    best.match.reasons,
  );
}

const complete = (p: NameParts) => p.first.length > 0 && p.last.length > 0;
const hasMiddle = (p: NameParts) => p.middle.length > 0 || p.middleInSurname === true;

/**
 * A surname shared in a transposed reading counts as a family's only when no side's "surname" is a
 * given name (Ann Taylor / Taylor Swift share a word, not a family).
 */
const surnameIsGivenName = (p: NameParts) => p.last.some(isOnlyAGivenName);
const isOnlyAGivenName = (w: Word) => isKnownGivenName(w.text) && !isKnownSurname(w.text);

const counted = (score: number) => (score >= resultThresholds.partial ? score : 0);

function compareParts(pa: NameParts, pb: NameParts): Candidate {
  if (!complete(pa) || !complete(pb)) {
    const incomplete = compareIncomplete(pa, pb);
    return { comparison: incomplete, raw: incomplete.score };
  }
  const transposed = pa.surnameFirst !== pb.surnameFirst;
  const given = compareGiven(pa, pb);
  const first = given.first;
  const last = compareComponent(pa.last, pb.last, 'last') ?? exactComponent();
  const extra = trimmings(pa, pb);
  const reasons = [...given.reasons, ...extra.reasons, ...first.reasons, ...last.reasons];
  let ceiling = Math.min(given.ceiling, extra.ceiling);
  if (transposed) {
    reasons.push(TRANSPOSED);
    ceiling = Math.min(ceiling, nameCeilings.transposed);
  }
  const f = first.score;
  const l = last.score;
  const raw = componentWeights.first * f + componentWeights.last * l;
  const { highPartial, partial } = resultThresholds;
  let score: number;
  if (f >= highPartial && l >= highPartial) score = Math.min(raw, ceiling);
  else if (f >= partial && l >= partial) score = Math.min(raw, ceiling, nameCeilings.partial);
  else if (
    f < partial &&
    l >= nameCeilings.sharedSurnameAtLeast &&
    (!transposed || !(surnameIsGivenName(pa) || surnameIsGivenName(pb)))
  ) {
    score = nameCeilings.sharedSurname;
    reasons.push(SHARED_SURNAME_ONLY);
  } else
    score = Math.min(
      componentWeights.first * counted(f) + componentWeights.last * counted(l),
      nameCeilings.different,
    );
  return { comparison: comparison(score, first, last, reasons), raw };
}

/** How well two written names denote the same person: the best pairing of their readings. */
export function compareNames(a: NameInput, b: NameInput): NameComparison {
  const readingsA = allReadings(a);
  const readingsB = allReadings(b);
  let best: Candidate | undefined;
  for (const pa of readingsA) {
    for (const pb of readingsB) {
      // Both reordered is the same as both as written: tried once.
      if (pa.reordered && pb.reordered) continue;
      // Given parts are swapped only to meet other parts: against a full name, its own reorderings
      // align the same words while keeping the roles the fields declare.
      if ((pa.reordered && pa.fromParts && !pb.fromParts) || (pb.reordered && pb.fromParts && !pa.fromParts))
        continue;
      // Moving middle words into the surname is for meeting a name without them, never a way around
      // a middle name that disagrees.
      if ((pa.middleInSurname && hasMiddle(pb)) || (pb.middleInSurname && hasMiddle(pa))) continue;
      const candidate = compareParts(pa, pb);
      const score = candidate.comparison.score;
      if (
        !best ||
        score > best.comparison.score ||
        (score === best.comparison.score && candidate.raw > best.raw)
      )
        best = candidate;
      // Nothing beats written alike.
      if (best.comparison.score === resultThresholds.exact) return best.comparison;
    }
  }
  return best?.comparison ?? comparison(0, null, null, []);
}
