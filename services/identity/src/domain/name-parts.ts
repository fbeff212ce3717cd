/**
 * From what a person or a carrier wrote to comparable name parts: letters folded (letters.ts), titles
 * and suffixes set aside, and a full name read every way it can be read — given name first, family
 * name first — so that the comparison, not an assumption, decides which word is the surname.
 * docs/name-matching.md describes each step.
 */
import { foldWords, type Word } from './letters.js';

export type { Word } from './letters.js';

/** A name as the API receives it: a full name, or its parts. */
export interface NameInput {
  full?: string | null | undefined;
  first?: string | null | undefined;
  middle?: string | null | undefined;
  last?: string | null | undefined;
}

/** The public view of a folded word (the doc's examples, the tests). */
export interface NameToken {
  text: string;
  variant: string;
  transliterated: boolean;
}

/** One reading of a name: which words are the given name, the middle names and the surname. */
export interface NameParts {
  first: Word[];
  middle: Word[];
  last: Word[];
  /** A reading of a full name with its middle words taken as part of the surname ("Maria Garcia Lopez"). */
  middleInSurname?: true;
  /** Read family name first: a carrier's `SMITH ROBERT J`, an East Asian or Hungarian order, swapped fields. */
  surnameFirst?: true;
  /** A reading in the order the name was not written in (surnameFirstReadings): tried against written orders only. */
  reordered?: true;
  /** Read from given parts (first, middle, last fields), whose roles are authoritative. */
  fromParts?: true;
  /** Titles (Dr, Mrs…) set aside. */
  honorific: boolean;
  /** Suffixes set aside, by kind: a generation (`jr`, `sr`, `iii`, `filho`) or `other` (PhD, Esq). */
  suffixes: string[];
}

// prettier-ignore
const titles = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'lady', 'lord', 'rev', 'fr', 'hon', 'mme',
  'mlle', 'herr', 'frau', 'sra', 'srta', 'sig', 'dott', 'ing', 'mgr', 'capt', 'col', 'sgt', 'lt',
]);
/** Suffixes and the generation each names (father and son differ there); `other` for degrees. */
// prettier-ignore
const suffixKinds = new Map<string, string>([
  ['jr', 'jr'], ['jnr', 'jr'], ['junior', 'jr'], ['sr', 'sr'], ['snr', 'sr'], ['senior', 'sr'],
  ['ii', 'ii'], ['iii', 'iii'], ['iv', 'iv'], ['filho', 'filho'], ['neto', 'neto'], ['sobrinho', 'sobrinho'],
  ['phd', 'other'], ['md', 'other'], ['esq', 'other'], ['dds', 'other'], ['jd', 'other'], ['mba', 'other'],
  ['cpa', 'other'], ['rn', 'other'],
]);
/** Surname particles: kept with the surname when a full name is split, left out when surnames are aligned. */
// prettier-ignore
export const surnameParticles = new Set([
  'de', 'del', 'della', 'dello', 'dei', 'degli', 'der', 'den', 'di', 'da', 'das', 'do', 'dos', 'du', 'la',
  'le', 'lo', 'van', 'von', 'vom', 'ter', 'ten', 'te', 'op', 'st', 'ste', 'san', 'bin', 'binti', 'bint',
  'ibn', 'ben', 'al', 'el', 'abu', 'ould', 'ait', 'af', 'av', 'zu', 'zum', 'zur', 'mac', 'mc', 'ap', 'ua',
]);

export function tokenize(written: string): NameToken[] {
  return foldWords(written).map(({ text, variant, transliterated }) => ({ text, variant, transliterated }));
}

const present = (value: string | null | undefined): value is string =>
  value !== undefined && value !== null && value.trim() !== '';

/** True when the input carries a name to compare: `full`, or `first` and/or `last`. */
export function hasName(input: NameInput): boolean {
  return present(input.full) || present(input.first) || present(input.last);
}

const single = (word: Word[] | undefined, set: { has(key: string): boolean }) =>
  word?.length === 1 && set.has(word[0]?.text ?? '');

interface Trimmed {
  words: Word[][];
  honorific: boolean;
  suffixes: string[];
}

/** Titles set aside at the start and suffixes at the end, as long as a name remains. */
function trimmed(all: Word[][], atStart = true, atEnd = true): Trimmed {
  let start = 0;
  let end = all.length;
  const suffixes: string[] = [];
  while (atStart && end - start > 1 && single(all[start], titles)) start += 1;
  while (atEnd && end - start > 1 && single(all[end - 1], suffixKinds)) {
    suffixes.push(suffixKinds.get(all[end - 1]?.[0]?.text ?? '') as string);
    end -= 1;
  }
  return { words: all.slice(start, end), honorific: start > 0, suffixes };
}

/** Words of a full name (split at spaces); a word keeps its hyphenated parts together ("Lovelace-Byron"). */
function wordsOf(written: string): Word[][] {
  const words: Word[][] = [];
  let word: Word[] | undefined;
  for (const folded of foldWords(written)) {
    if (folded.joined && word) word.push(folded);
    else words.push((word = [folded]));
    if (folded.standsAlone) word = undefined;
  }
  return words;
}
/** The length of a carrier's caller-name (CNAM) record. */
export const cnamLength = 15;

/** The words of `words[from..to)` in one list (Array.prototype.flat is slow on the hot path). */
function span(words: Word[][], from = 0, to = words.length): Word[] {
  const out: Word[] = [];
  for (let i = from; i < to; i++) for (const w of words[i] as Word[]) out.push(w);
  return out;
}

const isParticle = (word: Word[] | undefined) => single(word, surnameParticles);
const isInitial = (word: Word[] | undefined) => word?.length === 1 && word[0]?.text.length === 1;

/** The parts of a name given as parts, or of a full name as written: one per reading. */
interface Source {
  kind: 'parts' | 'comma' | 'words';
  parts?: NameParts;
  words: Word[][];
  honorific: boolean;
  suffixes: string[];
}

function sourceOf(input: NameInput): Source {
  if (present(input.first) || present(input.last)) {
    const first = trimmed(wordsOf(input.first ?? ''), true, false);
    const last = trimmed(wordsOf(input.last ?? ''), false, true);
    return {
      kind: 'parts',
      parts: {
        first: span(first.words),
        middle: foldWords(input.middle ?? ''),
        last: span(last.words),
        honorific: first.honorific,
        suffixes: last.suffixes,
        fromParts: true,
      },
      words: [],
      honorific: first.honorific,
      suffixes: last.suffixes,
    };
  }
  const full = input.full ?? '';
  const comma = full.indexOf(',');
  if (comma >= 0) {
    const surname = trimmed(wordsOf(full.slice(0, comma)), true, false);
    const given = trimmed(wordsOf(full.slice(comma + 1)), true, true);
    const honorific = surname.honorific || given.honorific;
    return {
      kind: 'comma',
      parts: {
        first: given.words[0] ?? [],
        middle: span(given.words, 1),
        last: span(surname.words),
        honorific,
        suffixes: given.suffixes,
      },
      words: [],
      honorific,
      suffixes: given.suffixes,
    };
  }
  const all = wordsOf(full);
  // A caller-name (CNAM) record holds 15 characters: a record that long may have its last word cut.
  const last = all[all.length - 1];
  const lastWord = last?.[last.length - 1];
  if (lastWord && full.trim().length === cnamLength && /\p{L}$/u.test(full.trim())) lastWord.cut = true;
  const { words, honorific, suffixes } = trimmed(all);
  return { kind: 'words', words, honorific, suffixes };
}

/** Readings whose surname has more words than this are not tried (a name is not all surname). */
const maxSurnameWords = 3;

/**
 * The ways an input can be read given name first, the likeliest first. Given parts win over `full`
 * and have one reading; so has "Last, First Middle…". "First Middle… Last" keeps surname particles
 * with the surname; a name with middle words is also read with them in the surname (double surnames:
 * "Maria Garcia Lopez"), the most middle words first. A single word is a surname only.
 */
export function nameReadings(input: NameInput): NameParts[] {
  return writtenReadings(sourceOf(input));
}

/** Every reading of an input: as written (nameReadings) first, then reordered (surnameFirstReadings). */
export function allReadings(input: NameInput): NameParts[] {
  const source = sourceOf(input);
  return [...writtenReadings(source), ...reorderedReadings(source)];
}

const eastAsian = (source: Source) =>
  source.words.length > 1 && source.words.every((w) => w.every((t) => t.eastAsian));

function writtenReadings(source: Source): NameParts[] {
  if (source.parts) return [source.parts];
  // Written in Chinese characters or Korean syllables: family name first is how it was written.
  if (eastAsian(source)) return familyFirst(source, false);
  return givenFirst(source);
}

/** A lone O or D before a surname is an apostrophe lost (O Brien, D Angelo): it may start a surname. */
const apostropheInitials = new Set(['o', 'd']);
const startsSurname = (word: Word[] | undefined) =>
  !isInitial(word) || apostropheInitials.has(word?.[0]?.text ?? '');
const hasInitial = (words: Word[][], from: number, to: number) => {
  for (let i = from; i < to; i++) if (isInitial(words[i])) return true;
  return false;
};

function givenFirst({ words, honorific, suffixes }: Source): NameParts[] {
  if (words.length === 0) return [];
  if (words.length === 1) return [{ first: [], middle: [], last: span(words), honorific, suffixes }];
  let surnameStart = words.length - 1;
  while (surnameStart > 1 && isParticle(words[surnameStart - 1])) surnameStart -= 1;
  const first = words[0] ?? [];
  const readings: NameParts[] = [
    { first, middle: span(words, 1, surnameStart), last: span(words, surnameStart), honorific, suffixes },
  ];
  // Middle words in the surname (double surnames), the most first; never an initial inside a surname.
  for (let start = 1; start < surnameStart; start++) {
    if (words.length - start > maxSurnameWords || !startsSurname(words[start])) continue;
    if (hasInitial(words, start + 1, words.length)) continue;
    readings.push({
      first,
      middle: span(words, 1, start),
      last: span(words, start),
      honorific,
      suffixes,
      middleInSurname: true,
    });
  }
  return readings;
}

/**
 * The readings in the other order: a full name family name first (`SMITH ROBERT J`, `GARCIA LOPEZ
 * MARIA`, `NGUYEN VAN AN` with the given name last), and given parts with the first and last fields
 * swapped. Never a surname that is a single letter.
 */
export function surnameFirstReadings(input: NameInput): NameParts[] {
  return reorderedReadings(sourceOf(input));
}

function reorderedReadings(source: Source): NameParts[] {
  if (source.kind === 'comma') return [];
  if (source.parts) {
    const { first, middle, last, honorific, suffixes } = source.parts;
    if (first.length === 0 || last.length === 0) return [];
    return [
      {
        first: last,
        middle,
        last: first,
        honorific,
        suffixes,
        surnameFirst: true,
        reordered: true,
        fromParts: true,
      },
    ];
  }
  if (eastAsian(source)) return [];
  return familyFirst(source, true);
}

function familyFirst({ words, honorific, suffixes }: Source, reordered: boolean): NameParts[] {
  const readings: NameParts[] = [];
  for (let end = 1; end < words.length && end <= maxSurnameWords; end++) {
    // A surname never holds an initial (SMITH ROBERT J is not the family "Smith Robert J").
    if (hasInitial(words, 0, end)) break;
    const last = span(words, 0, end);
    const first = words[end] ?? [];
    const reading: NameParts = {
      first,
      middle: span(words, end + 1),
      last,
      honorific,
      suffixes,
      surnameFirst: true,
    };
    if (reordered) reading.reordered = true;
    readings.push(reading);
    // Vietnamese order: family, middle, given (Nguyen Van An → given An, middle Van).
    const given = words.length - end;
    if (given >= 2 && !isInitial(words[words.length - 1])) {
      const vietnamese: NameParts = {
        first: words[words.length - 1] ?? [],
        middle: span(words, end, words.length - 1),
        last,
        honorific,
        suffixes,
        surnameFirst: true,
      };
      if (reordered) vietnamese.reordered = true;
      readings.push(vietnamese);
    }
  }
  return readings;
}
