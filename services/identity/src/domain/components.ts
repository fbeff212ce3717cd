/**
 * Components (first, middle, last) of two readings: their words joined (spacing and hyphens do not
 * matter) or aligned word by word, with what particles, double surnames and compound given names
 * say (docs/name-matching.md, "Components").
 */
import type { Word } from './letters.js';
import { surnameParticles } from './name-parts.js';
import { NameMatchReason, sortedReasons } from './reasons.js';
import { nameCeilings, resultOf, resultThresholds, round, type NameComponentMatch } from './scoring.js';
import { compareWords, wordScores, type Role, type Scored } from './word-match.js';

const { PARTICLE, COMPOUND_SURNAME, MIDDLE_NAME_MISSING, MIDDLE_NAME_AS_FIRST } = NameMatchReason;

/** Several words as one (de la cruz → delacruz); one word is itself. */
export function joined(words: Word[]): Word {
  if (words.length === 1) return words[0] as Word;
  let text = '';
  let variant = '';
  let written = '';
  let transliterated = false;
  let abjad = false;
  for (const w of words) {
    text += w.text;
    variant += w.variant;
    written += w.written;
    transliterated ||= w.transliterated;
    abjad ||= w.abjad;
  }
  return { text, variant, written, transliterated, abjad };
}

const isParticle = (word: Word) => surnameParticles.has(word.text);
const isNotParticle = (word: Word) => !surnameParticles.has(word.text);
const particlesOf = (words: Word[]) => joined(words.filter(isParticle)).text;

/**
 * Hispanic and Filipino compound given names often lead with a María that their bearer does not use
 * (María del Carmen is Carmen): leaving it out is a middle name missing, not another person's name.
 */
const marian = new Set(['maria', 'ma', 'del', 'de', 'la', 'los', 'las']);
function onlyMarian(words: Word[], used: boolean[]): boolean {
  for (let i = 0; i < words.length; i++) if (!used[i] && !marian.has((words[i] as Word).text)) return false;
  return true;
}

/** Word by word, each word of the side with fewer words paired with its best unused partner (order free). */
function compareAligned(xs: Word[], ys: Word[], role: Role): Scored {
  let particleDiffers = false;
  if (role === 'last') {
    const px = xs.filter(isNotParticle);
    const py = ys.filter(isNotParticle);
    if (px.length > 0 && py.length > 0) {
      particleDiffers = particlesOf(xs) !== particlesOf(ys);
      xs = px;
      ys = py;
    }
  }
  const [shorter, longer] = xs.length <= ys.length ? [xs, ys] : [ys, xs];
  const used = new Array<boolean>(longer.length).fill(false);
  let total = 0;
  const reasons: NameMatchReason[] = [];
  for (const word of shorter) {
    let bestIndex = -1;
    let best: Scored | undefined;
    for (let index = 0; index < longer.length; index++) {
      if (used[index]) continue;
      const candidate = compareWords(word, longer[index] as Word, role);
      if (!best || candidate.score > best.score) [best, bestIndex] = [candidate, index];
    }
    if (!best) break;
    used[bestIndex] = true;
    // A word that does not match counts nothing, as a component does in the whole-name score.
    total += best.score >= resultThresholds.partial ? best.score : 0;
    reasons.push(...best.reasons);
  }
  let score = total / shorter.length;
  if (particleDiffers) {
    score = Math.min(score, nameCeilings.particle);
    reasons.push(PARTICLE);
  }
  if (used.includes(false)) {
    if (role === 'last') reasons.push(COMPOUND_SURNAME);
    else if (!used[0] && !onlyMarian(longer, used)) {
      // The name matched is a second given name on the other side (John Michael / Michael).
      reasons.push(MIDDLE_NAME_AS_FIRST);
      return { score: Math.min(score, nameCeilings.partial), reasons };
    } else reasons.push(MIDDLE_NAME_MISSING);
    return { score: Math.min(score, nameCeilings.compound), reasons };
  }
  // Same words, other spacing or order: close, but not written identically.
  return { score: Math.min(score, nameCeilings.notIdentical), reasons };
}

/** Particles glued to a surname (Alhassan, Vandenberg): met against the bare surname. */
const gluedParticles = [
  'al',
  'el',
  'ben',
  'bin',
  'ibn',
  'abu',
  'van',
  'von',
  'de',
  'di',
  'da',
  'du',
  'del',
  'della',
];

function glued(x: Word, y: Word): boolean {
  const [short, long] = x.text.length <= y.text.length ? [x.text, y.text] : [y.text, x.text];
  if (short.length < 4 || !long.endsWith(short)) return false;
  const head = long.slice(0, long.length - short.length);
  return gluedParticles.includes(head);
}

export function compareComponent(xs: Word[], ys: Word[], role: Role): NameComponentMatch | null {
  if (xs.length === 0 || ys.length === 0) return null;
  const x = joined(xs);
  const y = joined(ys);
  // As many words on both sides (Ji-woo/Ji-hoo, Mary Jane/Mary Jade): word by word only, a typo
  // across the joined words would hide a different syllable or name.
  const sameCount = xs.length > 1 && xs.length === ys.length;
  let best = sameCount && x.text !== y.text ? { score: 0, reasons: [] } : compareWords(x, y, role);
  if (best.score < wordScores.exact && (xs.length > 1 || ys.length > 1)) {
    const aligned = compareAligned(xs, ys, role);
    if (aligned.score > best.score) best = aligned;
  }
  if (role === 'last' && best.score < nameCeilings.particle && glued(x, y))
    best = { score: nameCeilings.particle, reasons: [PARTICLE] };
  const score = round(best.score);
  return { result: resultOf(score), score, reasons: sortedReasons(best.reasons) };
}

export const exactComponent = (): NameComponentMatch => ({ result: 'EXACT_MATCH', score: 1, reasons: [] });
export const component = (score: number, reasons: NameMatchReason[]): NameComponentMatch => ({
  result: resultOf(round(score)),
  score: round(score),
  reasons: sortedReasons(reasons),
});
