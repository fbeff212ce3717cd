import { describe, expect, it } from 'vitest';
import { editDistance } from '../src/domain/edit-distance.js';
import { nameReadings, tokenize } from '../src/domain/name-parts.js';
import { compareNames, resultOf, type NameInput } from '../src/domain/names.js';
import { areNicknames, nicknameGroupCount } from '../src/domain/nicknames.js';

const full = (name: string): NameInput => ({ full: name });

/** [label, a, b, expected result, expected reasons]: what a reviewer would call each pair. */
const table: Array<[string, NameInput, NameInput, string, string[]]> = [
  ['identical', full('John Smith'), full('John Smith'), 'EXACT_MATCH', []],
  ['case and spacing', full('JOHN   SMITH'), full('john smith'), 'EXACT_MATCH', []],
  ['diacritics', full('José Álvarez'), full('Jose Alvarez'), 'EXACT_MATCH', ['DIACRITICS']],
  ['apostrophe', full("Patrick O'Brien"), full('Patrick OBrien'), 'EXACT_MATCH', []],
  ['hyphen or not', full('Mary-Jane Watson'), full('Maryjane Watson'), 'EXACT_MATCH', []],
  ['parts against full', { first: 'Ada', last: 'Lovelace' }, full('Ada Lovelace'), 'EXACT_MATCH', []],
  ['comma form', full('Lovelace, Ada'), full('Ada Lovelace'), 'EXACT_MATCH', []],
  [
    'titles and suffixes',
    full('Dr. John Smith Jr.'),
    full('John Smith'),
    'EXACT_MATCH',
    ['HONORIFIC_REMOVED', 'SUFFIX_REMOVED'],
  ],
  [
    'surname particle',
    full('Ludwig van Beethoven'),
    { first: 'Ludwig', last: 'van Beethoven' },
    'EXACT_MATCH',
    [],
  ],
  [
    'first name in two words',
    { first: 'Mary Ann', last: 'Smith' },
    full('Mary Ann Smith'),
    'EXACT_MATCH',
    [],
  ],
  ['William / Bill', full('William Johnson'), full('Bill Johnson'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  ['Robert / Bob', full('Robert Brown'), full('Bob Brown'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  ['Elizabeth / Liz', full('Elizabeth Taylor'), full('Liz Taylor'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  ['Katherine / Kate', full('Katherine Hepburn'), full('Kate Hepburn'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  ['Margaret / Peggy', full('Margaret Thatcher'), full('Peggy Thatcher'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  ['Alexander / Alex', full('Alexander Hamilton'), full('Alex Hamilton'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  ['Steven / Stephen', full('Steven Smith'), full('Stephen Smith'), 'HIGH_PARTIAL_MATCH', ['NICKNAME']],
  [
    'short form not in the table',
    full('Fred Astaire'),
    full('Frederick Astaire'),
    'HIGH_PARTIAL_MATCH',
    ['NICKNAME'],
  ],
  ['first initial', full('J. Smith'), full('John Smith'), 'PARTIAL_MATCH', ['INITIAL']],
  [
    'middle initial',
    full('John F Kennedy'),
    full('John Fitzgerald Kennedy'),
    'HIGH_PARTIAL_MATCH',
    ['INITIAL'],
  ],
  ['transposed', full('John Smith'), full('Smith John'), 'HIGH_PARTIAL_MATCH', ['TRANSPOSED']],
  ['carrier surname-first', full('Ada Lovelace'), full('LOVELACE ADA'), 'HIGH_PARTIAL_MATCH', ['TRANSPOSED']],
  [
    'first-name typo (transposed letters)',
    full('Jonh Smith'),
    full('John Smith'),
    'HIGH_PARTIAL_MATCH',
    ['TYPO'],
  ],
  ['surname typo', full('John Smyth'), full('John Smith'), 'HIGH_PARTIAL_MATCH', ['TYPO']],
  [
    'long surname, two typos',
    full('Ada Wolfeschlegel'),
    full('Ada Wolfeshlegl'),
    'HIGH_PARTIAL_MATCH',
    ['TYPO'],
  ],
  ['Cyrillic', full('Иван Петров'), full('Ivan Petrov'), 'HIGH_PARTIAL_MATCH', ['TRANSLITERATION']],
  [
    'Greek',
    full('Γιώργος Παπαδόπουλος'),
    full('Giorgos Papadopoulos'),
    'HIGH_PARTIAL_MATCH',
    ['TRANSLITERATION'],
  ],
  [
    'German umlauts',
    full('Jürgen Müller'),
    full('Juergen Mueller'),
    'HIGH_PARTIAL_MATCH',
    ['TRANSLITERATION'],
  ],
  [
    'Scandinavian ø',
    full('Søren Kierkegaard'),
    full('Soeren Kierkegaard'),
    'HIGH_PARTIAL_MATCH',
    ['TRANSLITERATION'],
  ],
  [
    'middle name on one side',
    full('John Fitzgerald Kennedy'),
    full('John Kennedy'),
    'HIGH_PARTIAL_MATCH',
    ['MIDDLE_NAME_MISSING'],
  ],
  [
    'double surname, one given',
    full('Maria Garcia Lopez'),
    full('Maria Garcia'),
    'HIGH_PARTIAL_MATCH',
    ['COMPOUND_SURNAME'],
  ],
  [
    'hyphenated surname, one given',
    full('Ada Lovelace'),
    full('Ada Lovelace-Byron'),
    'HIGH_PARTIAL_MATCH',
    ['COMPOUND_SURNAME'],
  ],
  ['spelling variant, not a typo', full('Jon Stewart'), full('Jhon Stewart'), 'HIGH_PARTIAL_MATCH', ['TYPO']],
  [
    'different middle names',
    full('John A Smith'),
    full('John B Smith'),
    'PARTIAL_MATCH',
    ['MIDDLE_NAME_DIFFERS'],
  ],
  [
    'different middle names, spelled out',
    full('John Adam Smith'),
    full('John Bert Smith'),
    'PARTIAL_MATCH',
    ['MIDDLE_NAME_DIFFERS'],
  ],
  [
    'second surnames differ',
    full('Maria Garcia Lopez'),
    full('Maria Garcia Perez'),
    'NO_MATCH',
    ['DIFFERENT_PERSON'],
  ],
  ['surname only on one side', full('Madonna'), full('Madonna Ciccone'), 'PARTIAL_MATCH', []],
  [
    'first initial and surname typo',
    full('J Smyth'),
    full('John Smith'),
    'PARTIAL_MATCH',
    ['INITIAL', 'TYPO'],
  ],
  [
    'same surname, other person',
    full('John Smith'),
    full('Jane Smith'),
    'PARTIAL_MATCH',
    ['SHARED_SURNAME_ONLY'],
  ],
  ['same first name, other surname', full('John Smith'), full('John Doe'), 'NO_MATCH', ['DIFFERENT_PERSON']],
  ['strangers', full('Ada Lovelace'), full('Grace Hopper'), 'NO_MATCH', ['DIFFERENT_PERSON']],
  ['business caller name', full('Ada Lovelace'), full('Initech'), 'NO_MATCH', ['DIFFERENT_PERSON']],
  [
    'one letter apart in a short name',
    full('Jon Smith'),
    full('Jan Smith'),
    'PARTIAL_MATCH',
    ['SHARED_SURNAME_ONLY'],
  ],
  ['wrong initial', full('K. Smith'), full('John Smith'), 'PARTIAL_MATCH', ['SHARED_SURNAME_ONLY']],
];

describe('compareNames: the labelled table', () => {
  it('holds at least 30 pairs', () => {
    expect(table.length).toBeGreaterThanOrEqual(30);
  });

  it.each(table)('%s', (_label, a, b, result, reasons) => {
    const comparison = compareNames(a, b);
    expect({ result: comparison.result, reasons: comparison.reasons }).toEqual({ result, reasons });
    expect(comparison.score).toBeGreaterThanOrEqual(0);
    expect(comparison.score).toBeLessThanOrEqual(1);
    expect(resultOf(comparison.score)).toBe(comparison.result);
  });

  it.each(table)('%s (sides swapped: same result)', (_label, a, b, result) => {
    expect(compareNames(b, a).result).toBe(result);
  });
});

describe('compareNames: components', () => {
  it('reports each component with its own result, score and reasons', () => {
    const comparison = compareNames(full('Bill Smyth'), full('William Smith'));
    expect(comparison.first).toEqual({ result: 'HIGH_PARTIAL_MATCH', score: 0.9, reasons: ['NICKNAME'] });
    expect(comparison.last).toEqual({ result: 'HIGH_PARTIAL_MATCH', score: 0.9, reasons: ['TYPO'] });
    expect(comparison).toMatchObject({
      result: 'HIGH_PARTIAL_MATCH',
      score: 0.9,
      reasons: ['NICKNAME', 'TYPO'],
    });
  });

  it('reports the swapped components of a transposed name', () => {
    const comparison = compareNames(full('Grace Hopper'), full('Hopper Grace'));
    expect(comparison.first?.result).toBe('EXACT_MATCH');
    expect(comparison.last?.result).toBe('EXACT_MATCH');
    expect(comparison.score).toBe(0.9);
  });

  it('weighs the surname more than the first name', () => {
    const firstOff = compareNames(full('Jonh Smith'), full('John Smith'));
    const lastOff = compareNames(full('John Smiht'), full('John Smith'));
    expect(firstOff.score).toBeGreaterThan(lastOff.score);
  });

  it('leaves out a component one side does not have', () => {
    const comparison = compareNames({ first: 'Ada' }, full('Ada Lovelace'));
    expect(comparison.first?.result).toBe('EXACT_MATCH');
    expect(comparison.last).toBeNull();
    expect(comparison.result).toBe('PARTIAL_MATCH');
  });

  it('does not call nicknames of surnames', () => {
    expect(compareNames(full('Ann Bill'), full('Ann William')).result).toBe('NO_MATCH');
  });

  it('answers NO_MATCH with score 0 for a name without letters', () => {
    expect(compareNames(full('...'), full('John Smith'))).toEqual({
      result: 'NO_MATCH',
      score: 0,
      first: null,
      last: null,
      reasons: [],
    });
  });
});

describe('name normalization', () => {
  it('folds case, diacritics, punctuation and special letters', () => {
    expect(tokenize("  José-María O'Néill  ").map((t) => t.text)).toEqual(['jose', 'maria', 'oneill']);
    expect(tokenize('Straße Łukasz Ærø').map((t) => t.text)).toEqual(['strasse', 'lukasz', 'aero']);
  });

  it('gives umlauts, ø and x their spelled-out variants', () => {
    expect(tokenize('Müller Øst Alexa').map((t) => t.variant)).toEqual(['mueller', 'oest', 'aleksa']);
  });

  it('transliterates Cyrillic and Greek and marks it', () => {
    expect(tokenize('Юрий Ξένια')).toEqual([
      { text: 'yuriy', variant: 'yurii', transliterated: true },
      { text: 'xenia', variant: 'ksenia', transliterated: true },
    ]);
  });

  it('reads a full name as first, middle and last, keeping particles with the surname', () => {
    const [reading] = nameReadings(full('Maria Luisa de la Cruz'));
    expect({
      first: reading?.first.map((t) => t.text),
      middle: reading?.middle.map((t) => t.text),
      last: reading?.last.map((t) => t.text),
    }).toEqual({ first: ['maria'], middle: ['luisa'], last: ['de', 'la', 'cruz'] });
  });

  it('offers the middle words as part of the surname as a second reading', () => {
    const readings = nameReadings(full('Maria Garcia Lopez'));
    expect(readings.map((r) => r.last.map((t) => t.text))).toEqual([['lopez'], ['garcia', 'lopez']]);
  });

  it('prefers given parts over full', () => {
    const readings = nameReadings({ full: 'Someone Else', first: 'Ada', last: 'Lovelace' });
    expect(readings).toHaveLength(1);
    expect(readings[0]?.first[0]?.text).toBe('ada');
  });
});

describe('building blocks', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['john', 'john', 0],
    ['john', 'jhon', 1],
    ['smith', 'smyth', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
  ])('editDistance(%j, %j) = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it('knows the nickname pairs both ways and has ~40 groups', () => {
    expect(areNicknames('william', 'bill')).toBe(true);
    expect(areNicknames('bill', 'william')).toBe(true);
    expect(areNicknames('alex', 'alexandra')).toBe(true);
    expect(areNicknames('bill', 'bob')).toBe(false);
    expect(areNicknames('john', 'john')).toBe(false);
    expect(nicknameGroupCount).toBeGreaterThanOrEqual(40);
  });
});
