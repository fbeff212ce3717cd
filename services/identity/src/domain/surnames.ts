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
  ['ov', ['ova']], ['ev', ['eva']], ['in', ['ina']], ['yn', ['yna']], // Russian, Bulgarian, Ukrainian
  ['iy', ['aya']], ['oy', ['aya']], ['yy', ['aya']], // Russian adjectival
  ['', ['ova']], ['ek', ['kova']], ['ec', ['cova']], ['a', ['ova']], ['y', ['a']], // Czech, Slovak
  ['as', ['iene', 'aite']], ['is', ['iene', 'yte']], ['us', ['iene', 'ute']], ['ys', ['iene', 'yte']], // Lithuanian
  ['os', ['ou']], ['idis', ['idou']], ['akis', ['aki']], ['is', ['i']], ['as', ['a']], // Greek
  ['son', ['dottir']], ['sen', ['datter']], // Icelandic, Norwegian patronymics
];

const minimumStem = 3;

/** Keys "rule:gender:stem" of a folded surname under every rule whose ending it has. */
function genderKeys(surname: string): string[] {
  const keys: string[] = [];
  genderedEndings.forEach(([masculine, feminine], rule) => {
    if (surname.endsWith(masculine) && surname.length - masculine.length >= minimumStem)
      keys.push(`${rule}:m:${surname.slice(0, surname.length - masculine.length)}`);
    for (const ending of feminine)
      if (surname.endsWith(ending) && surname.length - ending.length >= minimumStem)
        keys.push(`${rule}:f:${surname.slice(0, surname.length - ending.length)}`);
  });
  return keys;
}

/** True when two different folded surnames are the masculine and feminine forms of one name. */
export function areGenderedForms(a: string, b: string): boolean {
  if (a === b) return false;
  const ofB = new Set(genderKeys(b));
  for (const key of genderKeys(a)) {
    const opposite = key.includes(':m:') ? key.replace(':m:', ':f:') : key.replace(':f:', ':m:');
    if (ofB.has(opposite)) return true;
  }
  return false;
}

/** True when two folded surnames differ only by Mc/Mac (McDonald/MacDonald). */
export function areMcMac(a: string, b: string): boolean {
  const rest = (s: string) => (s.startsWith('mac') ? s.slice(3) : s.startsWith('mc') ? s.slice(2) : null);
  const ra = rest(a);
  return ra !== null && ra.length >= 2 && ra === rest(b) && a !== b;
}
