/**
 * The name tables of services/identity/data/, loaded once into Maps keyed by folded names: which
 * given names are one person's name (hypocorisms, the same name in another language, spellings of
 * one name) and which given names exist at all. docs/name-matching.md, "The name tables", says how
 * they are written. Pure: the JSON is a static import, never a file read.
 */
import nicknameTable from '../../data/nicknames.json' with { type: 'json' };
import variantTable from '../../data/name-variants.json' with { type: 'json' };
import givenNameTable from '../../data/given-names.json' with { type: 'json' };
import surnameTable from '../../data/surnames.json' with { type: 'json' };
import { foldWords, type Word } from './letters.js';

/** How two different given names are one name; `null` when no table relates them. */
export type GivenNameRelation = 'variant' | 'nickname' | 'translated';

/** The forms under which a table entry is found: its words folded and written together, primary and variant. */
function keysOf(entry: string): string[] {
  const words = foldWords(entry);
  const text = words.map((w) => w.text).join('');
  const variant = words.map((w) => w.variant).join('');
  if (text === '') return [];
  return text === variant ? [text] : [text, variant];
}

const entriesOf = (line: string) => line.split(',').flatMap(keysOf);

/** name → ids of the lines it is on. */
type Index = Map<string, number[]>;

function add(index: Index, name: string, id: number) {
  const ids = index.get(name);
  if (!ids) index.set(name, [id]);
  else if (!ids.includes(id)) ids.push(id);
}

function indexLines(lines: readonly string[], index: Index = new Map(), offset = 0): Index {
  lines.forEach((line, i) => {
    for (const name of entriesOf(line)) add(index, name, offset + i);
  });
  return index;
}

const shares = (x: readonly number[] | undefined, y: readonly number[] | undefined): boolean => {
  if (!x || !y || x.length === 0 || y.length === 0) return false;
  for (const id of x) if (y.includes(id)) return true;
  return false;
};

const givenVariants = indexLines(variantTable.given);
const surnameVariants = indexLines(
  variantTable.surnames,
  indexLines(variantTable.given),
  variantTable.given.length,
);

const givenVariantLines = variantTable.given.map(entriesOf);

/** Every spelling of a name the variants table knows, the name included. */
function spellingsOf(name: string): string[] {
  const ids = givenVariants.get(name);
  if (!ids) return [name];
  return [...new Set([name, ...ids.flatMap((id) => givenVariantLines[id] ?? [])])];
}

/**
 * Each line's names are indexed under all their spellings, so that Sasha (on the line of Aleksandr)
 * meets Alexander, a spelling of Aleksandr, in one look-up.
 */
function indexWithSpellings(lines: readonly string[], index: Index = new Map()): Index {
  lines.forEach((line, id) => {
    for (const name of entriesOf(line)) for (const spelling of spellingsOf(name)) add(index, spelling, id);
  });
  return index;
}

const hypocorismLines = Object.values(nicknameTable.hypocorisms).flat();
const hypocorisms = indexWithSpellings(hypocorismLines);

// "english: other, other": each other form meets the English one (a hub), not the other forms.
const equivalentHubs: Index = new Map();
const equivalentForms: Index = new Map();
nicknameTable.equivalents.forEach((line, id) => {
  const [hub = '', forms = ''] = line.split(':');
  for (const name of entriesOf(hub))
    for (const spelling of spellingsOf(name)) add(equivalentHubs, spelling, id);
  for (const name of entriesOf(forms))
    for (const spelling of spellingsOf(name)) add(equivalentForms, spelling, id);
});

const knownGivenNames = new Set<string>([
  ...hypocorisms.keys(),
  ...givenVariants.keys(),
  ...equivalentHubs.keys(),
  ...equivalentForms.keys(),
  ...Object.values(givenNameTable.names).flatMap((names) => names.split(' ').flatMap(keysOf)),
]);

const knownSurnames = new Set<string>(
  Object.values(surnameTable.names).flatMap((names) => names.split(' ').flatMap(keysOf)),
);

const none: readonly number[] = [];

/** Every table's lines for one folded name, in one Map: a word costs one or two look-ups. */
const entries = new Map<string, WordTables>();
{
  const names = new Set([
    ...givenVariants.keys(),
    ...hypocorisms.keys(),
    ...equivalentHubs.keys(),
    ...equivalentForms.keys(),
    ...surnameVariants.keys(),
    ...knownGivenNames,
    ...knownSurnames,
  ]);
  for (const key of names)
    entries.set(key, {
      variants: givenVariants.get(key) ?? none,
      hypocorisms: hypocorisms.get(key) ?? none,
      hubs: equivalentHubs.get(key) ?? none,
      forms: equivalentForms.get(key) ?? none,
      surnames: surnameVariants.get(key) ?? none,
      known: knownGivenNames.has(key),
      knownSurname: knownSurnames.has(key),
    });
}
const entryOf = (name: string) => entries.get(name);

/** How two folded given names (words written together) are one name, by the tables; else null. */
export function givenNameRelation(a: string, b: string): GivenNameRelation | null {
  if (a === b) return null;
  if (shares(givenVariants.get(a), givenVariants.get(b))) return 'variant';
  if (shares(hypocorisms.get(a), hypocorisms.get(b))) return 'nickname';
  if (
    shares(equivalentHubs.get(a), equivalentForms.get(b)) ||
    shares(equivalentForms.get(a), equivalentHubs.get(b))
  )
    return 'translated';
  return null;
}

/** A word's lines in every table, under its text and its variant: looked up once per word, then compared. */
export interface WordTables {
  variants: readonly number[];
  hypocorisms: readonly number[];
  hubs: readonly number[];
  forms: readonly number[];
  surnames: readonly number[];
  known: boolean;
  knownSurname: boolean;
}

const unknownWord: WordTables = {
  variants: none,
  hypocorisms: none,
  hubs: none,
  forms: none,
  surnames: none,
  known: false,
  knownSurname: false,
};

const merged = (x: WordTables, y: WordTables): WordTables => ({
  variants: [...x.variants, ...y.variants],
  hypocorisms: [...x.hypocorisms, ...y.hypocorisms],
  hubs: [...x.hubs, ...y.hubs],
  forms: [...x.forms, ...y.forms],
  surnames: [...x.surnames, ...y.surnames],
  known: x.known || y.known,
  knownSurname: x.knownSurname || y.knownSurname,
});

/** The tables' lines for a word, cached on it (a word meets several others across readings). */
export function tablesOf(word: Word): WordTables {
  if (!word.tables) {
    const ofText = entryOf(word.text) ?? unknownWord;
    const ofVariant = word.variant === word.text ? undefined : entryOf(word.variant);
    word.tables = ofVariant ? merged(ofText, ofVariant) : ofText;
  }
  return word.tables;
}

/** How two given names are one name by the tables, under any of their spellings; else null. */
export function wordRelation(x: Word, y: Word): GivenNameRelation | null {
  const tx = tablesOf(x);
  const ty = tablesOf(y);
  if (shares(tx.variants, ty.variants)) return 'variant';
  if (shares(tx.hypocorisms, ty.hypocorisms)) return 'nickname';
  if (shares(tx.hubs, ty.forms) || shares(tx.forms, ty.hubs)) return 'translated';
  return null;
}

/** True when two surnames are spellings of one surname by the variants table. */
export function areSurnameWordVariants(x: Word, y: Word): boolean {
  return shares(tablesOf(x).surnames, tablesOf(y).surnames);
}

/** True when two folded surnames are spellings of one surname by the variants table. */
export function areSurnameVariants(a: string, b: string): boolean {
  return a !== b && shares(surnameVariants.get(a), surnameVariants.get(b));
}

/** True when the folded word is a surname of its own in some culture the tables cover. */
export function isKnownSurname(name: string): boolean {
  return knownSurnames.has(name);
}

/** True when the folded word is a given name of its own in some culture the tables cover. */
export function isKnownGivenName(name: string): boolean {
  return knownGivenNames.has(name);
}

/** True when the two (different) given names are one name by the tables: nickname, spelling or language. */
export function areNicknames(a: string, b: string): boolean {
  return givenNameRelation(a, b) !== null;
}

/** Sizes of the tables, for the docs and the tests. */
export const nicknameGroupCount = hypocorismLines.length;
export const nicknameCultures = Object.keys(nicknameTable.hypocorisms);
export const knownGivenNameCount = knownGivenNames.size;
export const knownSurnameCount = knownSurnames.size;

/** Distinct unordered pairs of names the tables relate (hypocorisms and equivalents, both directions count once). */
export function relatedPairCount(): number {
  const pairs = new Set<string>();
  const addPair = (x: string, y: string) => {
    if (x !== y) pairs.add(x < y ? `${x}|${y}` : `${y}|${x}`);
  };
  for (const line of hypocorismLines) {
    const names = entriesOf(line);
    for (const x of names) for (const y of names) addPair(x, y);
  }
  for (const line of nicknameTable.equivalents) {
    const [hub = '', forms = ''] = line.split(':');
    for (const x of entriesOf(hub)) for (const y of entriesOf(forms)) addPair(x, y);
  }
  return pairs.size;
}
