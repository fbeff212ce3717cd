import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datasetPath, idInput, labels, readNamePairs } from '../../../bench/names.js';

/** Keeps bench/data/names.tsv well-formed and covering what issue 10 asks (docs/name-matching.md). */
const text = readFileSync(datasetPath, 'utf8');
const pairs = readNamePairs(text);

/** Every phenomenon of the issue has pairs. */
const requiredCategories = [
  'exact',
  'case_punctuation',
  'diacritics',
  'honorific',
  'suffix',
  'suffix_differs',
  'nickname',
  'translated_name',
  'typo',
  'phonetic',
  'transliteration',
  'surname_first',
  'swapped_fields',
  'comma_format',
  'initial',
  'middle_initial',
  'middle_name_missing',
  'middle_name_as_first',
  'middle_name_differs',
  'compound_surname',
  'particle',
  'mc_mac',
  'gendered_surname',
  'gendered_family',
  'family_member',
  'one_letter_real_name',
  'shared_first_name',
  'different_person',
  'incomplete',
  'business',
  'truncated',
];

const documentedCultures = new Set(
  'en es pt it fr de nl pl cs ru uk el ar tr yo ig hi tl hu zh ko ja vi nordic fa he sw'.split(' '),
);

describe('bench/data/names.tsv', () => {
  it('parses: a header, then five tab-separated columns a line', () => {
    expect(() => readNamePairs(text)).not.toThrow();
    expect(text.split('\n').some((line) => line.startsWith('#'))).toBe(true);
  });

  it('has at least 600 pairs, each label and 15+ cultures', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(600);
    for (const label of labels) expect(pairs.filter((p) => p.label === label).length).toBeGreaterThan(50);
    expect(new Set(pairs.map((p) => p.culture)).size).toBeGreaterThanOrEqual(15);
  });

  it('uses documented cultures and snake_case categories', () => {
    for (const pair of pairs) {
      expect(documentedCultures.has(pair.culture), `line ${pair.line}: ${pair.culture}`).toBe(true);
      expect(pair.category, `line ${pair.line}`).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
  });

  it.each(requiredCategories)('has pairs of category %s', (category) => {
    expect(pairs.some((p) => p.category === category)).toBe(true);
  });

  it('has no pair twice', () => {
    const seen = new Map<string, number>();
    for (const pair of pairs) {
      const key = `${pair.idName}\t${pair.reference}`;
      expect(seen.get(key), `line ${pair.line} repeats line ${seen.get(key)}`).toBeUndefined();
      seen.set(key, pair.line);
    }
  });

  it('writes ID parts as first|middle|last with a first or a last name', () => {
    for (const pair of pairs) {
      const input = idInput(pair.idName);
      if (input.full === undefined)
        expect(`${input.first}${input.last}`.trim(), `line ${pair.line}`).not.toBe('');
    }
  });

  it('refuses a malformed line, saying which', () => {
    const header = 'id_name\treference\tlabel\tcategory\tculture';
    expect(() => readNamePairs(`${header}\nA||B\tA B\tmaybe\tx\ten`)).toThrow('line 2: unknown label maybe');
    expect(() => readNamePairs(`${header}\nA|B\tA B\tmatch\tx\ten`)).toThrow(
      'line 2: parts must be first|middle|last',
    );
    expect(() => readNamePairs(`${header}\nA B\tA B\tmatch\ten`)).toThrow('line 2: 4 columns, not 5');
  });
});
