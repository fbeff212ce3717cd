/**
 * npm run bench:names [-- --failures] [-- --rounds 10]
 *
 * The name matcher's scoreboard (docs/name-matching.md, "Evaluation set and benchmark"): runs
 * compareNames over the labelled pairs of bench/data/names.tsv and prints, per category and overall,
 * the recall of `match` pairs (answered EXACT or HIGH_PARTIAL), the false accepts of `no_match`
 * pairs (answered EXACT or HIGH_PARTIAL), the `partial` pairs answered PARTIAL_MATCH, and the
 * comparisons per second on one core (ten warm-up rounds, then the median of timed rounds over
 * the whole set). `--failures` lists every pair answered against its label.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compareNames, type NameComparison, type NameInput } from '../services/identity/src/domain/names.js';
import {
  knownGivenNameCount,
  nicknameCultures,
  nicknameGroupCount,
  relatedPairCount,
} from '../services/identity/src/domain/nicknames.js';

export const labels = ['match', 'partial', 'no_match'] as const;
export type Label = (typeof labels)[number];

export interface NamePair {
  line: number;
  idName: string;
  reference: string;
  label: Label;
  category: string;
  culture: string;
}

export const columns = ['id_name', 'reference', 'label', 'category', 'culture'] as const;
export const datasetPath = fileURLToPath(new URL('./data/names.tsv', import.meta.url));

/** The pairs of the TSV; throws on the first malformed line, saying which. */
export function readNamePairs(text: string): NamePair[] {
  const pairs: NamePair[] = [];
  let header = false;
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const cells = raw.split('\t');
    if (!header) {
      if (cells.join('\t') !== columns.join('\t'))
        throw new Error(`line ${line}: the header must be ${columns.join(' ')}`);
      header = true;
      return;
    }
    if (cells.length !== columns.length)
      throw new Error(`line ${line}: ${cells.length} columns, not ${columns.length}`);
    const [idName = '', reference = '', label = '', category = '', culture = ''] = cells.map((c) => c.trim());
    if (!(labels as readonly string[]).includes(label))
      throw new Error(`line ${line}: unknown label ${label}`);
    if (idName.includes('|') && idName.split('|').length !== 3)
      throw new Error(`line ${line}: parts must be first|middle|last`);
    if (idName === '' || reference === '' || category === '' || culture === '')
      throw new Error(`line ${line}: an empty column`);
    pairs.push({ line, idName, reference, label: label as Label, category, culture });
  });
  return pairs;
}

/** The ID side of a pair: parts "first|middle|last" or a full name. */
export function idInput(idName: string): NameInput {
  if (!idName.includes('|')) return { full: idName };
  const [first = '', middle = '', last = ''] = idName.split('|');
  return { first, middle, last };
}

/** Rounds run before timing: enough for the JIT's optimizing tier to have compiled the hot path. */
const warmUpRounds = 10;

const accepted = (c: NameComparison) => c.result === 'EXACT_MATCH' || c.result === 'HIGH_PARTIAL_MATCH';

/** Whether the matcher's answer is what the label asks. */
export function answersLabel(label: Label, comparison: NameComparison): boolean {
  if (label === 'match') return accepted(comparison);
  if (label === 'partial') return comparison.result === 'PARTIAL_MATCH';
  return !accepted(comparison);
}

interface Tally {
  match: number;
  accepted: number;
  noMatch: number;
  falseAccepts: number;
  partial: number;
  answeredPartial: number;
}

const emptyTally = (): Tally => ({
  match: 0,
  accepted: 0,
  noMatch: 0,
  falseAccepts: 0,
  partial: 0,
  answeredPartial: 0,
});

function count(tally: Tally, pair: NamePair, comparison: NameComparison) {
  if (pair.label === 'match') {
    tally.match += 1;
    if (accepted(comparison)) tally.accepted += 1;
  } else if (pair.label === 'no_match') {
    tally.noMatch += 1;
    if (accepted(comparison)) tally.falseAccepts += 1;
  } else {
    tally.partial += 1;
    if (comparison.result === 'PARTIAL_MATCH') tally.answeredPartial += 1;
  }
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)}% (${part}/${whole})`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function main() {
  const { values } = parseArgs({
    options: { failures: { type: 'boolean', default: false }, rounds: { type: 'string', default: '10' } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');

  const pairs = readNamePairs(readFileSync(datasetPath, 'utf8'));
  const inputs = pairs.map((p) => [idInput(p.idName), { full: p.reference }] as const);

  const byCategory = new Map<string, Tally>();
  const overall = emptyTally();
  const failures: string[] = [];
  pairs.forEach((pair, i) => {
    const [a, b] = inputs[i] as readonly [NameInput, NameInput];
    const comparison = compareNames(a, b);
    const tally = byCategory.get(pair.category) ?? emptyTally();
    byCategory.set(pair.category, tally);
    count(tally, pair, comparison);
    count(overall, pair, comparison);
    if (!answersLabel(pair.label, comparison))
      failures.push(
        `  line ${pair.line} [${pair.category}/${pair.culture}] ${pair.idName}  ~  ${pair.reference}: ` +
          `${pair.label} answered ${comparison.result} ${comparison.score} ${comparison.reasons.join(',')}`,
      );
  });

  // Speed: one core, the whole set per round; warm-up rounds first so the JIT has settled.
  let sink = 0;
  // Wall time, and this process's CPU time, which a busy machine (other processes on the cores)
  // disturbs less.
  const round = () => {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    for (const [a, b] of inputs) sink += compareNames(a, b).score;
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
  };
  for (let i = 0; i < warmUpRounds; i++) round();
  const timed = Array.from({ length: rounds }, round);
  const perSecond = timed.map((t) => (inputs.length / t.wall) * 1000);
  const perCpuSecond = timed.map((t) => (inputs.length / t.cpu) * 1000);
  if (Number.isNaN(sink)) throw new Error('unreachable');

  const rows = [...byCategory.entries()].sort(([x], [y]) => x.localeCompare(y));
  const width = Math.max(...rows.map(([name]) => name.length), 'overall'.length);
  const line = (name: string, t: Tally) =>
    `${name.padEnd(width)}  ${String(t.match + t.noMatch + t.partial).padStart(5)}  ` +
    `${percent(t.accepted, t.match).padEnd(20)}  ${percent(t.falseAccepts, t.noMatch).padEnd(20)}  ` +
    `${percent(t.answeredPartial, t.partial)}`;
  console.log(
    `name tables: ${nicknameGroupCount} hypocorism groups in ${nicknameCultures.length} cultures, ` +
      `${relatedPairCount()} related name pairs, ${knownGivenNameCount} known given names`,
  );
  console.log(
    `evaluation set: ${pairs.length} pairs, ${new Set(pairs.map((p) => p.culture)).size} cultures\n`,
  );
  console.log(
    `${'category'.padEnd(width)}  pairs  ${'match recall'.padEnd(20)}  ${'false accepts'.padEnd(20)}  partial`,
  );
  for (const [name, tally] of rows) console.log(line(name, tally));
  console.log(line('overall', overall));
  const rate = (values: number[]) => Math.round(median(values)).toLocaleString('en-US');
  console.log(
    `\ncomparisons per second (one core, median of ${rounds} rounds over ${inputs.length} pairs): ` +
      `${rate(perSecond)} by wall time, ${rate(perCpuSecond)} by CPU time`,
  );
  console.log('targets: recall ≥ 97%, false accepts ≤ 1%, partial ≥ 80%, ≥ 100,000 comparisons/s');
  if (values.failures)
    console.log(`\nanswered against the label (${failures.length}):\n${failures.join('\n')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
