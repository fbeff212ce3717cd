/**
 * Surname forms that differ by the bearer's gender (Novák/Nováková, Kowalski/Kowalska,
 * Ivanov/Ivanova, Papadopoulos/Papadopoulou, Jónsson/Jónsdóttir) and the Mc/Mac prefix. The same
 * family, not necessarily the same person: the whole-name rules decide (docs/name-matching.md).
 */

/** [masculine ending, feminine endings] of folded surnames, by language. */
// prettier-ignore
const genderedEndings: readonly (readonly [string, readonly string[]])[] = [
  ['ski', ['ska', 'skaya']], ['cki', ['cka', 'ckaya']], ['dzki', ['dzka']], // Polish
  ['sky', ['ska', 'skaya']], ['skiy', ['skaya', 'ska']], ['skii', ['skaya', 'ska']], ['skyi', ['ska']], // Russian, Ukrainian, Czech
  ['ov', ['ova']], ['ev', ['eva']], ['in', ['ina']], ['yn', ['yna']], ['skyy', ['ska']], // Russian, Bulgarian, Ukrainian
  ['iy', ['aya']], ['oy', ['aya']], ['yy', ['aya']], // Russian adjectival
  ['', ['ova']], ['ek', ['kova']], ['ec', ['cova']], ['a', ['ova']], ['y', ['a']], // Czech, Slovak
  ['as', ['iene', 'aite']], ['is', ['iene', 'yte']], ['us', ['iene', 'ute']], ['ys', ['iene', 'yte']], // Lithuanian
  ['os', ['ou']], ['idis', ['idou']], ['akis', ['aki']], ['is', ['i']], ['as', ['a']], // Greek
  ['son', ['dottir']], ['sen', ['datter']], // Icelandic, Norwegian patronymics
];

const minimumStem = 3;

/** `x` is `stem + masculine` and `y` is `stem + feminine`, for one rule; compared in place (hot path). */
function formsOf(x: string, y: string, masculine: string, feminine: readonly string[]): boolean {
  if (!x.endsWith(masculine)) return false;
  const stem = x.length - masculine.length;
  if (stem < minimumStem) return false;
  for (const ending of feminine) {
    if (y.length !== stem + ending.length || !y.endsWith(ending)) continue;
    let same = true;
    for (let i = 0; i < stem && same; i++) same = x.charCodeAt(i) === y.charCodeAt(i);
    if (same) return true;
  }
  return false;
}

/** True when two different folded surnames are the masculine and feminine forms of one name. */
export function areGenderedForms(a: string, b: string): boolean {
  if (a === b || a.length < minimumStem || b.length < minimumStem) return false;
  // Every form shares its first letters with the other (the stem is at least 3 letters).
  if (a.charCodeAt(0) !== b.charCodeAt(0) || a.charCodeAt(2) !== b.charCodeAt(2)) return false;
  for (const [masculine, feminine] of genderedEndings)
    if (formsOf(a, b, masculine, feminine) || formsOf(b, a, masculine, feminine)) return true;
  return false;
}

/** True when two folded surnames differ only by Mc/Mac (McDonald/MacDonald). */
export function areMcMac(a: string, b: string): boolean {
  if (a.charCodeAt(0) !== 109 || b.charCodeAt(0) !== 109 || a.charCodeAt(1) === b.charCodeAt(1)) return false;
  const rest = (s: string) => (s.startsWith('mac') ? s.slice(3) : s.startsWith('mc') ? s.slice(2) : null);
  const ra = rest(a);
  return ra !== null && ra.length >= 2 && ra === rest(b) && a !== b;
}

/**
 * A surname's spelling with the differences records make without changing the name folded away:
 * Basque tx/ch, Russian yo/e (Fyodorov/Fedorov), ph/f, Thompson/Thomson, Lefebvre/Lefevre, c/k/q,
 * w/v and b/v, y/i, z/s and after the first letter tz/ts/s (Schwarz/Schwartz, Katz/Kats),
 * Davies/Davis, -sen/-son, a final d/dt/t (Schmid/Schmidt), -off/-ov (Sokoloff), a final h after a
 * vowel (Ezeh/Eze), a final e (Clarke/Clark), doubled letters.
 * One pass over the letters (it runs for every pair of surnames compared).
 */
export function spellingKey(surname: string): string {
  let end = surname.length;
  let tail = '';
  if (surname.endsWith('ies')) [end, tail] = [end - 3, 'is'];
  else if (surname.endsWith('sen')) [end, tail] = [end - 3, 'son'];
  else if (surname.endsWith('off')) [end, tail] = [end - 3, 'ov'];
  else if (surname.endsWith('dt')) [end, tail] = [end - 2, 't'];
  else if (surname.endsWith('d')) [end, tail] = [end - 1, 't'];
  else if (end > 1 && surname[end - 1] === 'h' && vowels.includes(surname[end - 2] as string)) end -= 1;
  else if (end > 3 && surname[end - 1] === 'e') end -= 1;
  let out = '';
  for (let i = 0; i < end; i++) {
    const c = surname[i] as string;
    const next = i + 1 < end ? surname[i + 1] : '';
    const pair = pairFolds.get(c + next) ?? (i > 0 ? innerPairFolds.get(c + next) : undefined);
    if (pair !== undefined) {
      out = appended(out, pair);
      i += 1;
    } else if (!(c === 'p' && next === 's' && out.endsWith('m')) && !(c === 'b' && next === 'v'))
      out = appended(out, spellingLetters.get(c) ?? c);
  }
  for (const letter of tail) out = appended(out, letter);
  return out;
}

/** The first letter of a surname's spelling key, without computing the key (a cheap first test). */
export function spellingStart(surname: string): string {
  const pair = pairFolds.get(surname.slice(0, 2));
  if (pair !== undefined) return pair;
  const c = surname[0] ?? '';
  return spellingLetters.get(c) ?? c;
}

const appended = (out: string, letter: string) => (out[out.length - 1] === letter ? out : out + letter);
const pairFolds = new Map([
  ['tx', 'x'],
  ['ch', 'x'],
  ['yo', 'e'],
  ['ph', 'f'],
  ['ck', 'k'],
]);
/** Pairs folded after the first letter only (Tsang is not Sang). */
const innerPairFolds = new Map([
  ['tz', 's'],
  ['ts', 's'],
]);

const vowels = 'aeiou';
const spellingLetters = new Map([
  ['c', 'k'],
  ['q', 'k'],
  ['w', 'v'],
  ['b', 'v'],
  ['y', 'i'],
  ['z', 's'],
]);
