/**
 * Two words, one per side, as the same name in a role (given name, middle name, surname): the best
 * kind of agreement that applies, with its score and reasons (docs/name-matching.md, "Words").
 */
import { jaroWinkler } from '@skyra/jaro-winkler';
import { doubleMetaphone } from 'double-metaphone';
import { editDistanceWithin } from './edit-distance.js';
import type { Word } from './letters.js';
import { areSurnameWordVariants, tablesOf, wordRelation } from './nicknames.js';
import { NameMatchReason } from './reasons.js';
import { areGenderedForms, areMcMac, spellingKey, spellingStart } from './surnames.js';

export type Role = 'first' | 'middle' | 'last';

export interface Scored {
  score: number;
  reasons: NameMatchReason[];
}

/** The score each kind of agreement earns; a word pair takes the best kind that applies. */
export const wordScores = {
  exact: 1,
  transliteration: 0.95,
  nickname: 0.9,
  gendered: 0.9,
  /** Surnames spelled apart the way records do (Thomson/Thompson, Clark/Clarke, Levi/Levy). */
  spelling: 0.9,
  oneTypo: 0.9,
  translated: 0.88,
  phonetic: 0.87,
  twoTypos: 0.85,
  /** A short form that no table lists but that begins the other name (Fred/Frederick). */
  shortForm: 0.85,
  initial: 0.75,
  /** The last word of a 15-character caller-name record that begins the other word. */
  truncated: 0.9,
  /** Two existing surnames a letter or two apart (Patel/Patil): maybe a typo, maybe another family. */
  similarSurname: 0.75,
  /** Words that meet no kind above are different: their similarity, scaled below every match. */
  differentCeiling: 0.6,
} as const;

/** Typos allowed by length: none when the longer word has under 4 letters, 1, or 2 when both have 9 or more. */
const allowedTypos = (short: string, long: string) => (short.length >= 9 ? 2 : long.length >= 4 ? 1 : 0);
/** The longest short form that may stand for a name it begins without a table saying so (Fred, Alex). */
const maxShortForm = 5;
/** Jaro-Winkler similarity a phonetic match needs on top of an equal key. */
const phoneticSimilarity = 0.8;

const {
  TRANSLITERATION,
  NICKNAME,
  TRANSLATED_NAME,
  INITIAL,
  TYPO,
  PHONETIC,
  DIACRITICS,
  GENDERED_SURNAME,
  SIMILAR_SURNAME,
  TRUNCATED,
} = NameMatchReason;

const scored = (score: number, ...reasons: NameMatchReason[]): Scored => ({ score, reasons });

function spellingOf(word: Word): string {
  if (word.spelling === undefined) word.spelling = spellingKey(word.text);
  return word.spelling;
}

function phoneticKey(word: Word): string {
  if (word.phonetic === undefined) word.phonetic = doubleMetaphone(word.text)[0];
  return word.phonetic;
}

/** Letters a name may start with either way and still be one name (Catherine/Katherine, Iosif/Yosif). */
const interchangeableStarts = new Set(['ck', 'kc', 'iy', 'yi', 'jy', 'yj', 'vw', 'wv', 'ei', 'ie']);

/** The two words differ only at the end: one continues the other, or only the last letters differ. */
function editedAtEnd(short: string, long: string): boolean {
  if (long.startsWith(short)) return true;
  return short.length === long.length && long.startsWith(short.slice(0, -1));
}

/** Whether the shorter of two words is a given name of its own. */
function shortIsKnown(x: Word, y: Word): boolean {
  return tablesOf(x.text.length <= y.text.length ? x : y).known;
}

/** A typo keeps the first letter: a different first letter is another name (Dean/Sean, O'Brien/Brien). */
function sameStart(a: string, b: string): boolean {
  return a[0] === b[0] || interchangeableStarts.has(`${a[0]}${b[0]}`);
}

/**
 * Consonants in order, for a word romanized from a script that leaves vowels out (محمد → mhmd,
 * शर्मा → srma) and the Latin word it may be: vowels, and w/y after the first letter, dropped; sh
 * read as s (any-ascii writes श as s); doubled letters collapsed.
 */
function skeleton(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if ('aeiou'.includes(c) || (i > 0 && (c === 'w' || c === 'y'))) continue;
    if (c === 'h' && text[i - 1] === 's') continue;
    if (out[out.length - 1] !== c) out += c;
  }
  return out;
}

/**
 * compareWords, remembered on the words: the readings of two names pair the same words many times
 * over, and words live only as long as one comparison.
 */
export function compareWords(x: Word, y: Word, role: Role): Scored {
  const met = x.met;
  if (met) for (const meeting of met) if (meeting.other === y && meeting.role === role) return meeting;
  const { score, reasons } = compareWordsOnce(x, y, role);
  const meeting = { other: y, role, score, reasons };
  if (met) met.push(meeting);
  else x.met = [meeting];
  return meeting;
}

function compareWordsOnce(x: Word, y: Word, role: Role): Scored {
  const crossScript = x.transliterated !== y.transliterated;
  if (x.text === y.text) {
    if (crossScript) return scored(wordScores.transliteration, TRANSLITERATION);
    return x.written === y.written || x.transliterated
      ? scored(wordScores.exact)
      : scored(wordScores.exact, DIACRITICS);
  }
  if (x.variant === y.variant || x.text === y.variant || x.variant === y.text)
    return scored(wordScores.transliteration, TRANSLITERATION);
  const spelled: NameMatchReason[] = crossScript ? [TRANSLITERATION] : [];
  const given = role !== 'last';
  const [short, long] = x.text.length <= y.text.length ? [x.text, y.text] : [y.text, x.text];
  if (short.length === 1) return long.startsWith(short) ? scored(wordScores.initial, INITIAL) : scored(0);
  // A caller-name record cut at its 15 characters (KOWALCZYK KATARZ): the cut word begins the other.
  const cutShort = x.text.length <= y.text.length ? x.cut : y.cut;
  if (cutShort && short.length >= 2 && long.startsWith(short)) return scored(wordScores.truncated, TRUNCATED);

  if (given) {
    const related = wordRelation(x, y);
    if (related === 'variant') return scored(wordScores.transliteration, TRANSLITERATION);
    if (related === 'nickname') return scored(wordScores.nickname, NICKNAME, ...spelled);
    if (related === 'translated') return scored(wordScores.translated, TRANSLATED_NAME, ...spelled);
  } else {
    // The surname variants include the given-name spellings (Hassan, Mohammed are surnames too).
    if (areSurnameWordVariants(x, y) || areMcMac(x.text, y.text))
      return scored(wordScores.transliteration, TRANSLITERATION);
    if (areGenderedForms(x.text, y.text) || areGenderedForms(x.variant, y.variant))
      return scored(wordScores.gendered, GENDERED_SURNAME, ...spelled);
    // Spelled apart the way records do: a typo when a letter or two apart, else another spelling.
    if (
      Math.abs(x.text.length - y.text.length) <= 3 &&
      spellingStart(x.text) === spellingStart(y.text) &&
      spellingOf(x) === spellingOf(y)
    ) {
      const apart = editDistanceWithin(x.text, y.text, 2);
      if (apart === 1) return scored(wordScores.oneTypo, TYPO, ...spelled);
      return apart === 2
        ? scored(wordScores.twoTypos, TYPO, ...spelled)
        : scored(wordScores.spelling, TRANSLITERATION);
    }
  }
  if (x.abjad !== y.abjad) {
    const key = skeleton(x.text);
    if (key === skeleton(y.text) && (key.length >= 2 || long.length <= 3))
      return scored(wordScores.transliteration, TRANSLITERATION);
  }

  const similarity = jaroWinkler(x.text, y.text);
  const different = scored(Math.round(similarity * wordScores.differentCeiling * 1000) / 1000);
  const tx = tablesOf(x);
  const ty = tablesOf(y);
  // Two given names that both exist and no table relates are two names, however close (Jon/Jan, Mark/Mary);
  // so are two given names read as surnames (a swapped reading), unless they are surnames too.
  if (tx.known && ty.known && (given || !(tx.knownSurname || ty.knownSurname))) return different;
  // Two surnames that both exist (as surnames, or as given names many surnames also are: Miles/Mills)
  // are two families that a typo could also explain: a reviewer looks.
  const twoFamilies = !given && (tx.knownSurname || tx.known) && (ty.knownSurname || ty.known);

  let distance = editDistanceWithin(x.text, y.text, 2);
  let viaVariant = false;
  if (distance > 1 && (x.variant !== x.text || y.variant !== y.text)) {
    const throughVariant = editDistanceWithin(x.variant, y.variant, 2);
    if (throughVariant < distance) [distance, viaVariant] = [throughVariant, true];
  }
  if (distance >= 1 && distance <= allowedTypos(short, long) && sameStart(x.text, y.text)) {
    // A surname with letters added or changed at its end is another surname (Hill/Hills, Shah/Shahi,
    // Mansour/Mansouri, Gupta/Gupte), as is one of two surnames that both exist: a reviewer looks.
    if (twoFamilies || (!given && editedAtEnd(short, long)))
      return scored(wordScores.similarSurname, SIMILAR_SURNAME);
    const via = crossScript || viaVariant ? [TRANSLITERATION] : [];
    return scored(distance === 1 ? wordScores.oneTypo : wordScores.twoTypos, TYPO, ...via);
  }
  // The phonetic key is for given names only: for surnames it is too coarse (Hassan/Hassoun,
  // Nowak/Nowicki); surname spellings go through the spelling key above.
  if (given && similarity >= phoneticSimilarity && short.length >= 3 && phoneticKey(x) === phoneticKey(y))
    return scored(wordScores.phonetic, PHONETIC, ...spelled);
  // A short form no table lists, of a name it begins (Fred/Frederick); never a name of its own (Jun/Junjie).
  if (
    given &&
    short.length >= 3 &&
    short.length <= maxShortForm &&
    long.startsWith(short) &&
    !shortIsKnown(x, y)
  )
    return scored(wordScores.shortForm, NICKNAME);
  return different;
}
