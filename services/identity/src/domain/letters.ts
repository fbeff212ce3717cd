/**
 * From written letters to comparable ASCII letters (docs/name-matching.md, "Normalization"): case
 * folded, diacritics dropped (NFKD), special Latin letters spelled out, Cyrillic and Greek romanized
 * by our own tables (they carry the second spellings an ID or a carrier may use), every other script
 * by any-ascii.
 */
import anyAscii from 'any-ascii';
import type { WordTables } from './nicknames.js';
import type { NameMatchReason } from './reasons.js';

/** A comparison of a word with another in one role, remembered for the rest of the comparison. */
export interface WordMeeting {
  other: Word;
  role: string;
  score: number;
  reasons: NameMatchReason[];
}

/** One written word, folded. */
export interface Word {
  /** Lowercase ASCII letters: the primary folding (ü → u, ß → ss, Иван → ivan). */
  text: string;
  /** A second spelling where the script or the language has one (ü → ue, ø → oe, x → ks); else `text`. */
  variant: string;
  /** Written in another script and romanized to reach `text`. */
  transliterated: boolean;
  /**
   * Written in a script that leaves vowels out: an abjad (Arabic, Hebrew: short vowels) or an Indic
   * script, whose inherent a any-ascii drops (शर्मा → srma). `text` lacks vowels the Latin name has.
   */
  abjad: boolean;
  /** The letters as written, lowercased (apostrophes dropped): tells a diacritic apart from a spelling. */
  written: string;
  /** The surname spelling key of `text` (surnames.ts), computed on first use. */
  spelling?: string;
  /** Double Metaphone primary key of `text`, computed on first use. */
  phonetic?: string;
  /** The name tables' lines for this word, looked up on first use (nicknames.ts). */
  tables?: WordTables;
  /** Comparisons with other words already made in this comparison (word-match.ts). */
  met?: WordMeeting[];
  /** The family-name syllable split off a run of Chinese characters or Korean syllables: a word of its own. */
  standsAlone?: true;
  /** Written attached to the word before it (a hyphen, a dot: Lovelace-Byron, J.R.), not after a space. */
  joined?: true;
  /** The last word of a caller-name record at its 15-character limit: it may have been cut short. */
  cut?: true;
  /** Written in Chinese characters or Korean syllables, whose names put the family name first. */
  eastAsian?: true;
}

/** [primary, variant?] per lowercase letter; letters not listed lose their diacritics and stay. */
const latinFolds = new Map<string, readonly [string, string?]>([
  ['ä', ['a', 'ae']],
  ['ö', ['o', 'oe']],
  ['ü', ['u', 'ue']],
  ['ø', ['o', 'oe']],
  ['å', ['a', 'aa']],
  ['ß', ['ss']],
  ['æ', ['ae']],
  ['œ', ['oe']],
  ['ł', ['l']],
  ['đ', ['d']],
  ['ð', ['d']],
  ['þ', ['th']],
  ['ı', ['i']],
  ['ħ', ['h']],
  ['ŧ', ['t']],
]);

/** Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian letters) and Greek, as passports romanize. */
// prettier-ignore
const scriptFolds = new Map<string, readonly [string, string?]>(Object.entries({
  а: ['a'], б: ['b'], в: ['v'], г: ['g', 'h'], ґ: ['g'], д: ['d'], е: ['e'], ё: ['e', 'yo'], є: ['ye', 'ie'],
  ж: ['zh'], з: ['z'], и: ['i'], і: ['i'], ї: ['yi', 'i'], й: ['y', 'i'], к: ['k'], л: ['l'], м: ['m'],
  н: ['n'], о: ['o'], п: ['p'], р: ['r'], с: ['s'], т: ['t'], у: ['u'], ў: ['u'], ф: ['f'], х: ['kh', 'h'],
  ц: ['ts', 'c'], ч: ['ch'], ш: ['sh'], щ: ['shch'], ъ: [''], ы: ['y'], ь: [''], э: ['e'], ю: ['yu'],
  я: ['ya'], ј: ['j'], љ: ['lj'], њ: ['nj'], ћ: ['c'], ђ: ['dj'], џ: ['dz'],
  α: ['a'], β: ['v', 'b'], γ: ['g'], δ: ['d'], ε: ['e'], ζ: ['z'], η: ['i', 'e'], θ: ['th'],
  ι: ['i'], κ: ['k'], λ: ['l'], μ: ['m'], ν: ['n'], ξ: ['x', 'ks'], ο: ['o'], π: ['p'], ρ: ['r'],
  σ: ['s'], ς: ['s'], τ: ['t'], υ: ['y', 'i'], φ: ['f'], χ: ['ch', 'h'], ψ: ['ps'], ω: ['o'],
}) as [string, readonly [string, string?]][]);

/** Greek letter pairs romanized as one (ELOT 743, as on Greek passports), with their common spelling. */
const greekDigraphs = new Map<string, readonly [string, string]>([
  ['ου', ['ou', 'ou']],
  ['αι', ['ai', 'e']],
  ['ει', ['ei', 'i']],
  ['οι', ['oi', 'i']],
  ['αυ', ['av', 'av']],
  ['ευ', ['ev', 'ev']],
  ['μπ', ['mp', 'b']],
  ['ντ', ['nt', 'd']],
  ['γκ', ['gk', 'g']],
  ['γγ', ['gg', 'ng']],
]);

/** Dropped where they stand: an apostrophe joins (O'Brien → obrien). */
const joiners = new Set(["'", '’', '`', 'ʼ', 'ʻ', '‘']);
const MARKS = /\p{M}/gu;
const LETTER = /\p{L}/u;
const ASCII_LETTER = /^[a-z]$/;
const NON_LETTERS = /[^a-z]/g;

const isHanOrHangul = (code: number) =>
  (code >= 0x4e00 && code <= 0x9fff) ||
  (code >= 0x3400 && code <= 0x4dbf) ||
  (code >= 0xac00 && code <= 0xd7a3);
const isGreek = (code: number) => (code >= 0x0370 && code <= 0x03ff) || (code >= 0x1f00 && code <= 0x1fff);
/** Two Greek letters from `at`, accents dropped (ού and ου are the same pair). */
const greekPair = (lower: string, at: number) =>
  lower
    .slice(at, at + 2)
    .normalize('NFD')
    .replace(MARKS, '');
const greekVoiceless = new Set([...'θκξπστφχψς']);
/** Whether the letter at `at` is voiced (a vowel or β γ δ ζ λ μ ν ρ); false at the word's end. */
function greekVoicedAfter(lower: string, at: number): boolean {
  const next = (lower[at] ?? '').normalize('NFD').replace(MARKS, '');
  if (next === '' || !isGreek(next.charCodeAt(0))) return false;
  return !greekVoiceless.has(next);
}
/** Hebrew, Arabic (and its supplement), and the Indic scripts from Devanagari to Malayalam. */
const isAbjad = (code: number) =>
  (code >= 0x0590 && code <= 0x06ff) ||
  (code >= 0x0750 && code <= 0x077f) ||
  (code >= 0x0900 && code <= 0x0d7f);

/** any-ascii of one letter, as lowercase ASCII letters; memoized, scripts repeat. */
const romanized = new Map<string, string>();
function romanize(char: string): string {
  let ascii = romanized.get(char);
  if (ascii === undefined) {
    ascii = anyAscii(char).toLowerCase().replace(NON_LETTERS, '');
    romanized.set(char, ascii);
  }
  return ascii;
}

interface Folded {
  text: string;
  variant: string;
  transliterated: boolean;
  abjad: boolean;
}
const separator: Folded = { text: '', variant: '', transliterated: false, abjad: false };

/**
 * Any other letter: decomposed (NFKD) to drop its accents (é → e, ά → α, ş → s), a letter left
 * outside Latin romanized by our script table or any-ascii; undefined for a lone combining mark,
 * `separator` for what is not a letter. Memoized per character: names repeat their letters.
 */
const decompositions = new Map<string, Folded | undefined>();
function decomposed(char: string): Folded | undefined {
  if (decompositions.has(char)) return decompositions.get(char);
  const bases = char.normalize('NFKD').replace(MARKS, '');
  let folded: Folded | undefined = bases === '' ? undefined : { ...separator };
  for (const base of bases) {
    if (!folded) break;
    const script = scriptFolds.get(base);
    if (ASCII_LETTER.test(base)) {
      folded.text += base;
      folded.variant += base;
    } else if (script) {
      folded.text += script[0];
      folded.variant += script[1] ?? script[0];
      folded.transliterated = true;
    } else if (LETTER.test(base)) {
      const ascii = romanize(base);
      folded.text += ascii;
      folded.variant += ascii;
      folded.transliterated = true;
      if (isAbjad(base.charCodeAt(0))) folded.abjad = true;
    } else {
      folded = separator;
    }
  }
  decompositions.set(char, folded);
  return folded;
}

/** The word being built by foldWords. */
interface Building {
  text: string;
  variant: string;
  seen: string;
  transliterated: boolean;
  abjad: boolean;
  eastAsian: boolean;
  hanHead: boolean;
  /** A separator other than a space came after the last word: the next one is joined to it. */
  attached: boolean;
}

const building = (): Building => ({
  text: '',
  variant: '',
  seen: '',
  transliterated: false,
  abjad: false,
  eastAsian: false,
  hanHead: false,
  attached: false,
});

function flush(state: Building, words: Word[], standsAlone = false) {
  if (state.text !== '') {
    const word: Word = {
      text: state.text,
      variant: state.variant,
      transliterated: state.transliterated,
      abjad: state.abjad,
      written: state.seen,
    };
    if (state.eastAsian) word.eastAsian = true;
    if (standsAlone) word.standsAlone = true;
    if (state.attached && words.length > 0) word.joined = true;
    words.push(word);
    state.attached = false;
  }
  state.text = state.variant = state.seen = '';
  state.transliterated = state.abjad = state.eastAsian = state.hanHead = false;
}

/** A separator that ends a word of a full name (spaces, commas); others (hyphens, dots) join words. */
const SPACE_LIKE = /[\s,;]/u;

/** Ends the word being built at a separator: after a space-like one, the next word stands apart. */
function separate(state: Building, words: Word[], char: string) {
  flush(state, words);
  if (SPACE_LIKE.test(char)) state.attached = false;
  else if (words.length > 0) state.attached = true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Plain ASCII (most carrier records): lowercase letters split at everything else. */
function foldAscii(lower: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  let attached = false;
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32;
    const letter = code >= 97 && code <= 122;
    const joiner = code === 39 || code === 96; // ' and ` join: O'Brien → obrien
    if (letter || (joiner && start >= 0)) {
      if (start < 0) start = i;
      continue;
    }
    if (joiner) continue;
    if (start >= 0) {
      const raw = lower.slice(start, i);
      const text = raw.includes("'") || raw.includes('`') ? raw.replace(JOINER_MARKS, '') : raw;
      if (text !== '') {
        const variant = text.includes('x') ? text.replaceAll('x', 'ks') : text;
        const word: Word = { text, variant, transliterated: false, abjad: false, written: text };
        if (attached && words.length > 0) word.joined = true;
        words.push(word);
        attached = false;
      }
      start = -1;
    }
    // Space, tab, comma, semicolon end a word of a full name; a hyphen or a dot joins the next to it.
    if (code === 32 || code === 9 || code === 10 || code === 13 || code === 44 || code === 59)
      attached = false;
    else if (words.length > 0) attached = true;
  }
  return words;
}
const JOINER_MARKS = /['`]/g;

/**
 * Splits and folds one written name into words at every non-letter (hyphen, dot, space…). A run of
 * Chinese characters or Korean syllables written without spaces is split after its first one: the
 * family name comes first and is one syllable (王小明 → wang xiaoming).
 */
export function foldWords(written: string): Word[] {
  if (isAscii(written)) return foldAscii(written.toLowerCase());
  const words: Word[] = [];
  const state = building();
  const lower = written.normalize('NFC').toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const char = lower[i] as string;
    if (joiners.has(char)) continue;
    const code = char.charCodeAt(0);
    if (code < 0x80) {
      if (ASCII_LETTER.test(char)) {
        state.text += char;
        // Latin x is how "кс"/"ξ" often comes out: give it the spelled-out variant to meet them.
        state.variant += char === 'x' ? 'ks' : char;
        state.seen += char;
      } else separate(state, words, char);
      continue;
    }
    const pair = isGreek(code) ? greekPair(lower, i) : '';
    const digraph = pair === '' ? undefined : greekDigraphs.get(pair);
    if (digraph) {
      // αυ/ευ are av/ev before a vowel or a voiced consonant, af/ef before a voiceless one or at the end.
      const voiced = pair === 'αυ' || pair === 'ευ' ? greekVoicedAfter(lower, i + 2) : undefined;
      const primary =
        voiced === undefined ? digraph[0] : `${pair[0] === 'α' ? 'a' : 'e'}${voiced ? 'v' : 'f'}`;
      state.text += primary;
      state.variant += voiced === undefined ? digraph[1] : primary;
      state.seen += lower.slice(i, i + 2);
      state.transliterated = true;
      i += 1;
      continue;
    }
    const latin = latinFolds.get(char);
    if (latin) {
      state.text += latin[0];
      state.variant += latin[1] ?? latin[0];
      state.seen += char;
      continue;
    }
    const script = scriptFolds.get(char);
    if (script) {
      // A Cyrillic е that starts a word: Елена is Elena on a passport, Yelena in many records.
      state.variant += char === 'е' && state.text === '' ? 'ye' : (script[1] ?? script[0]);
      state.text += script[0];
      state.seen += char;
      state.transliterated = true;
      continue;
    }
    if (isHanOrHangul(code)) {
      // The second syllable of a run: the first one was the family name, a word of its own.
      if (state.text === '') state.hanHead = true;
      else if (state.hanHead) flush(state, words, true);
      const ascii = romanize(char);
      state.text += ascii;
      state.variant += ascii;
      state.seen += char;
      state.transliterated = true;
      state.eastAsian = true;
      continue;
    }
    const folded = decomposed(char);
    if (folded === undefined) continue; // a lone combining mark
    state.hanHead = false;
    if (folded === separator) {
      separate(state, words, char);
      continue;
    }
    state.text += folded.text;
    state.variant += folded.variant;
    state.transliterated ||= folded.transliterated;
    state.abjad ||= folded.abjad;
    state.seen += char;
  }
  flush(state, words);
  return words;
}
