import { describe, expect, it } from 'vitest';
import { editDistanceWithin } from '../../src/domain/edit-distance.js';
import { foldWords } from '../../src/domain/letters.js';
import { nameReadings, surnameFirstReadings } from '../../src/domain/name-parts.js';
import { areGenderedForms, areMcMac, spellingKey } from '../../src/domain/surnames.js';

const texts = (written: string) => foldWords(written).map((w) => w.text);
const parts = (r: { first: { text: string }[]; middle: { text: string }[]; last: { text: string }[] }) =>
  [r.first, r.middle, r.last].map((words) => words.map((w) => w.text).join(' '));

describe('letters', () => {
  it('splits a run of Chinese characters or Korean syllables after the family name', () => {
    expect(texts('王小明')).toEqual(['wang', 'xiaoming']);
    expect(texts('김민준')).toEqual(['gim', 'minjun']);
  });

  it('romanizes Greek letter pairs as passports do, with their common spelling as the variant', () => {
    expect(foldWords('Παπαδόπουλος Ευάγγελος').map((w) => [w.text, w.variant])).toEqual([
      ['papadopoulos', 'papadopoulos'],
      ['evaggelos', 'evangelos'],
    ]);
  });

  it('gives Cyrillic е at a word start the Ye spelling as its variant', () => {
    expect(foldWords('Елена').map((w) => [w.text, w.variant])).toEqual([['elena', 'yelena']]);
  });

  it('marks words romanized from an abjad, whose short vowels are not written', () => {
    expect(foldWords('محمد').map((w) => [w.text, w.abjad])).toEqual([['mhmd', true]]);
  });

  it('folds other letters through NFKD and any-ascii', () => {
    expect(texts('Şahin Çelik ﬁlip Ørsted')).toEqual(['sahin', 'celik', 'filip', 'orsted']);
  });
});

describe('readings', () => {
  it('reads a carrier record family name first, and Vietnamese order with the given name last', () => {
    expect(surnameFirstReadings({ full: 'SMITH ROBERT J' }).map(parts)).toEqual([
      ['robert', 'j', 'smith'],
      ['j', '', 'smith robert'],
    ]);
    expect(surnameFirstReadings({ full: 'NGUYEN VAN AN' }).map(parts)).toEqual([
      ['van', 'an', 'nguyen'],
      ['an', 'van', 'nguyen'],
      ['an', '', 'nguyen van'],
    ]);
  });

  it('never reads an initial inside a surname, save a lost apostrophe', () => {
    expect(nameReadings({ full: 'John A Smith' }).map(parts)).toEqual([['john', 'a', 'smith']]);
    expect(nameReadings({ full: 'Patrick O Brien' }).map(parts)).toEqual([
      ['patrick', 'o', 'brien'],
      ['patrick', '', 'o brien'],
    ]);
  });
});

describe('surnames', () => {
  it.each([
    ['novak', 'novakova'],
    ['kowalski', 'kowalska'],
    ['ivanov', 'ivanova'],
    ['papadopoulos', 'papadopoulou'],
    ['cerny', 'cerna'],
    ['jonsson', 'jonsdottir'],
    ['zelenskyy', 'zelenska'],
  ])('%s and %s are gendered forms', (a, b) => {
    expect(areGenderedForms(a, b)).toBe(true);
    expect(areGenderedForms(b, a)).toBe(true);
  });

  it('does not call unrelated surnames gendered forms', () => {
    expect(areGenderedForms('novak', 'nowicki')).toBe(false);
    expect(areGenderedForms('ivanov', 'ivanenko')).toBe(false);
    expect(areMcMac('mcdonald', 'macdonald')).toBe(true);
    expect(areMcMac('mcdonald', 'donald')).toBe(false);
  });

  it.each([
    ['thompson', 'thomson'],
    ['davies', 'davis'],
    ['clarke', 'clark'],
    ['etxeberria', 'echeverria'],
    ['lefebvre', 'lefevre'],
    ['andersen', 'andersson'],
    ['schmid', 'schmidt'],
    ['sokoloff', 'sokolov'],
    ['fyodorov', 'fedorov'],
  ])('%s and %s share a spelling key', (a, b) => {
    expect(spellingKey(a)).toBe(spellingKey(b));
  });

  it('keeps apart surnames that are other names', () => {
    expect(spellingKey('patel')).not.toBe(spellingKey('patil'));
    expect(spellingKey('sato')).not.toBe(spellingKey('saito'));
    expect(spellingKey('miller')).not.toBe(spellingKey('muller'));
  });
});

describe('editDistanceWithin', () => {
  it('answers the distance up to the bound and bound + 1 past it', () => {
    expect(editDistanceWithin('john', 'jhon', 2)).toBe(1);
    expect(editDistanceWithin('wolfeschlegel', 'wolfeshlegl', 2)).toBe(2);
    expect(editDistanceWithin('smith', 'jones', 2)).toBe(3);
    expect(editDistanceWithin('a', 'abcdef', 2)).toBe(3);
    expect(editDistanceWithin('x'.repeat(80), `${'x'.repeat(79)}y`, 2)).toBe(1);
  });
});
