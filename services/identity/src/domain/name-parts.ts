/**
 * From what a person or a carrier wrote to comparable name parts: case, whitespace, punctuation and
 * diacritics folded away, other scripts transliterated, titles and suffixes dropped, a full name split
 * into first / middle / last. docs/name-matching.md describes each step.
 */

/** A name as the API receives it: a full name, or its parts. */
export interface NameInput {
  full?: string | null | undefined;
  first?: string | null | undefined;
  middle?: string | null | undefined;
  last?: string | null | undefined;
}

export interface NameToken {
  /** Lowercase Latin letters: the primary folding (ü → u, ß → ss, Иван → ivan). */
  text: string;
  /** A second spelling where the script or the language has one (ü → ue, ø → oe, x → ks); else `text`. */
  variant: string;
  /** Written in another script (Cyrillic, Greek) and transliterated to reach `text`. */
  transliterated: boolean;
}

export interface NameParts {
  first: NameToken[];
  middle: NameToken[];
  last: NameToken[];
  /** A second reading of a full name: its middle words taken as part of the surname. */
  middleInSurname?: true;
}

/** [primary, variant?] per lowercase letter; letters not listed lose their diacritics and stay. */
const latinFolds: Record<string, readonly [string, string?]> = {
  ä: ['a', 'ae'],
  ö: ['o', 'oe'],
  ü: ['u', 'ue'],
  ø: ['o', 'oe'],
  å: ['a', 'aa'],
  ß: ['ss'],
  æ: ['ae'],
  œ: ['oe'],
  ł: ['l'],
  đ: ['d'],
  ð: ['d'],
  þ: ['th'],
  ı: ['i'],
};

/** Cyrillic (Russian, Ukrainian, Bulgarian letters) and Greek, one common romanization each. */
// prettier-ignore
const scriptFolds: Record<string, readonly [string, string?]> = {
  а: ['a'], б: ['b'], в: ['v'], г: ['g'], ґ: ['g'], д: ['d'], е: ['e'], ё: ['e', 'yo'], є: ['ye'],
  ж: ['zh'], з: ['z'], и: ['i'], і: ['i'], ї: ['yi'], й: ['y', 'i'], к: ['k'], л: ['l'], м: ['m'],
  н: ['n'], о: ['o'], п: ['p'], р: ['r'], с: ['s'], т: ['t'], у: ['u'], ф: ['f'], х: ['kh', 'h'],
  ц: ['ts'], ч: ['ch'], ш: ['sh'], щ: ['shch'], ъ: [''], ы: ['y'], ь: [''], э: ['e'], ю: ['yu'],
  я: ['ya'],
  α: ['a'], β: ['v', 'b'], γ: ['g'], δ: ['d'], ε: ['e'], ζ: ['z'], η: ['i', 'e'], θ: ['th'],
  ι: ['i'], κ: ['k'], λ: ['l'], μ: ['m'], ν: ['n'], ξ: ['x', 'ks'], ο: ['o'], π: ['p'], ρ: ['r'],
  σ: ['s'], ς: ['s'], τ: ['t'], υ: ['y', 'i'], φ: ['f'], χ: ['ch', 'h'], ψ: ['ps'], ω: ['o'],
};

/** Dropped where they stand: an apostrophe joins (O'Brien → obrien); everything else not a letter separates. */
const JOINERS = /['’`ʼ]/u;
const LETTER = /\p{L}/u;

const titles = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'rev']);
const suffixes = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq']);
/** Surname particles: kept with the surname when a full name is split. */
// prettier-ignore
export const surnameParticles = new Set([
  'de', 'del', 'della', 'der', 'den', 'di', 'da', 'das', 'dos', 'du', 'la', 'le', 'van', 'von', 'ter',
  'ten', 'st', 'bin', 'binti', 'ibn', 'al', 'el', 'af', 'zu',
]);

/** Splits and folds one written name into tokens. */
export function tokenize(written: string): NameToken[] {
  const tokens: NameToken[] = [];
  let text = '';
  let variant = '';
  let transliterated = false;
  const flush = () => {
    if (text !== '') tokens.push({ text, variant, transliterated });
    text = '';
    variant = '';
    transliterated = false;
  };
  for (const char of written.normalize('NFC').toLowerCase()) {
    if (JOINERS.test(char)) continue;
    const latin = latinFolds[char];
    if (latin) {
      text += latin[0];
      variant += latin[1] ?? latin[0];
      continue;
    }
    // Decompose to drop accents (é → e, ά → α, й keeps its own entry above via the script table).
    const direct = scriptFolds[char];
    const bases = direct ? [char] : [...char.normalize('NFD').replace(/\p{M}/gu, '')];
    for (const base of bases) {
      const script = scriptFolds[base];
      if (script) {
        text += script[0];
        variant += script[1] ?? script[0];
        transliterated = true;
      } else if (LETTER.test(base)) {
        text += base;
        // Latin x is how "кс"/"ξ" often comes out: give it the spelled-out variant to meet them.
        variant += base === 'x' ? 'ks' : base;
      } else {
        flush();
      }
    }
  }
  flush();
  return tokens;
}

function withoutTitlesAndSuffixes(tokens: NameToken[]): NameToken[] {
  let start = 0;
  let end = tokens.length;
  while (end - start > 1 && titles.has(tokens[start]?.text ?? '')) start += 1;
  while (end - start > 1 && suffixes.has(tokens[end - 1]?.text ?? '')) end -= 1;
  return tokens.slice(start, end);
}

/** Words of a full name (split at spaces); a word keeps its hyphenated parts together ("Lovelace-Byron"). */
function words(written: string): NameToken[][] {
  const all = written
    .split(/[\s,]+/u)
    .map(tokenize)
    .filter((word) => word.length > 0);
  const single = (word: NameToken[] | undefined, set: Set<string>) =>
    word?.length === 1 && set.has(word[0]?.text ?? '');
  let start = 0;
  let end = all.length;
  while (end - start > 1 && single(all[start], titles)) start += 1;
  while (end - start > 1 && single(all[end - 1], suffixes)) end -= 1;
  return all.slice(start, end);
}

const present = (value: string | null | undefined): value is string =>
  value !== undefined && value !== null && value.trim() !== '';

/** True when the input carries a name to compare: `full`, or `first` and/or `last`. */
export function hasName(input: NameInput): boolean {
  return present(input.full) || present(input.first) || present(input.last);
}

/**
 * The ways an input can be read as name parts, the likeliest first. Given parts win over `full` and
 * have one reading. A full name is read as "First Middle… Last" (surname particles staying with the
 * surname) or, with a comma, as "Last, First Middle…"; a single word is a surname only. A full name
 * with middle words has a second reading where they belong to the surname ("Maria Garcia Lopez").
 */
export function nameReadings(input: NameInput): NameParts[] {
  if (present(input.first) || present(input.last)) {
    return [
      {
        first: withoutTitlesAndSuffixes(tokenize(input.first ?? '')),
        middle: tokenize(input.middle ?? ''),
        last: withoutTitlesAndSuffixes(tokenize(input.last ?? '')),
      },
    ];
  }
  const full = input.full ?? '';
  const comma = full.indexOf(',');
  if (comma >= 0) {
    const given = words(full.slice(comma + 1));
    return [
      { first: given[0] ?? [], middle: given.slice(1).flat(), last: words(full.slice(0, comma)).flat() },
    ];
  }
  const all = words(full);
  if (all.length <= 1) return [{ first: [], middle: [], last: all.flat() }];
  let surnameStart = all.length - 1;
  const particle = (word: NameToken[] | undefined) =>
    word?.length === 1 && surnameParticles.has(word[0]?.text ?? '');
  while (surnameStart > 1 && particle(all[surnameStart - 1])) surnameStart -= 1;
  const first = all[0] ?? [];
  const middle = all.slice(1, surnameStart).flat();
  const last = all.slice(surnameStart).flat();
  const readings: NameParts[] = [{ first, middle, last }];
  if (middle.length > 0)
    readings.push({ first, middle: [], last: [...middle, ...last], middleInSurname: true });
  return readings;
}
