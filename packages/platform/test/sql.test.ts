import { describe, expect, it } from 'vitest';
import { asOneStatement } from '../src/sql.js';

describe('asOneStatement', () => {
  it('answers a single statement as it is', () => {
    const only = { text: 'INSERT INTO t VALUES ($1, $2)', values: [1, 2] };
    expect(asOneStatement([only])).toEqual(only);
  });

  it('makes the others WITH items of the last, each placeholder renumbered after those before it', () => {
    expect(
      asOneStatement([
        { text: 'INSERT INTO a VALUES ($1, $2)', values: ['a1', 'a2'] },
        { text: 'INSERT INTO b VALUES (DEFAULT)', values: [] },
        { text: 'INSERT INTO c VALUES ($2, $1, $10)', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        { text: 'INSERT INTO d VALUES ($1)', values: ['d1'] },
      ]),
    ).toEqual({
      text:
        'WITH w1 AS (INSERT INTO a VALUES ($1, $2)), w2 AS (INSERT INTO b VALUES (DEFAULT)), ' +
        'w3 AS (INSERT INTO c VALUES ($4, $3, $12)) INSERT INTO d VALUES ($13)',
      values: ['a1', 'a2', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'd1'],
    });
  });

  it('refuses a placeholder without its value, and an empty list', () => {
    expect(() =>
      asOneStatement([
        { text: 'INSERT INTO a VALUES ($2)', values: ['x'] },
        { text: 'X', values: [] },
      ]),
    ).toThrow('placeholder $2 has no value');
    expect(() => asOneStatement([{ text: 'INSERT INTO a VALUES ($0)', values: [] }])).toThrow(
      'placeholder $0',
    );
    expect(() => asOneStatement([])).toThrow('needs a statement');
  });
});
