/**
 * Damerau-Levenshtein distance, optimal-string-alignment variant: insertions, deletions, substitutions
 * and transpositions of two adjacent letters each cost 1 ("jhon" is one edit from "john"). Names are
 * short and the matcher only asks whether two words are within 2 edits, so `editDistanceWithin`
 * stops as soon as a row proves more, on three rows it reuses (no allocation per call).
 */
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** The distance when it is at most `max`, else `max + 1`. */
export function editDistanceWithin(a: string, b: string, max: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (n === 0 || m === 0) return Math.max(n, m);
  if (m + 1 > rows[0].length) rows = [new Int32Array(m + 1), new Int32Array(m + 1), new Int32Array(m + 1)];
  let [before, previous, current] = rows;
  for (let j = 0; j <= m; j++) previous[j] = j;
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1);
      const substitution = (previous[j - 1] as number) + (ai === bj ? 0 : 1);
      if (substitution < best) best = substitution;
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        const transposition = (before[j - 2] as number) + 1;
        if (transposition < best) best = transposition;
      }
      current[j] = best;
      if (best < rowMin) rowMin = best;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  const distance = previous[m] as number;
  return distance > max ? max + 1 : distance;
}

/** The full distance (for the tests and the doc's examples). */
export function editDistance(a: string, b: string): number {
  return editDistanceWithin(a, b, Math.max(a.length, b.length));
}
