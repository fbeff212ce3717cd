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

  it("keeps a statement's own WITH items by name, numbered with its values, before what follows", () => {
    expect(
      asOneStatement([
        { text: 'INSERT INTO a VALUES ($1)', values: ['a1'] },
        {
          with: [
            ['created', 'INSERT INTO b VALUES ($1) RETURNING id'],
            ['sent', 'INSERT INTO c SELECT id, $2 FROM created'],
          ],
          text: 'DELETE FROM d WHERE id = $3',
          values: ['b1', 'c1', 'd1'],
        },
        { text: 'INSERT INTO e VALUES ($1)', values: ['e1'] },
      ]),
    ).toEqual({
      text:
        'WITH w1 AS (INSERT INTO a VALUES ($1)), created AS (INSERT INTO b VALUES ($2) RETURNING id), ' +
        'sent AS (INSERT INTO c SELECT id, $3 FROM created), w2 AS (DELETE FROM d WHERE id = $4) ' +
        'INSERT INTO e VALUES ($5)',
      values: ['a1', 'b1', 'c1', 'd1', 'e1'],
    });
    const alone = asOneStatement([
      { with: [['x', 'INSERT INTO a VALUES ($1) RETURNING id']], text: 'SELECT id FROM x', values: [1] },
    ]);
    expect(alone).toEqual({
      text: 'WITH x AS (INSERT INTO a VALUES ($1) RETURNING id) SELECT id FROM x',
      values: [1],
    });
  });

  it('refuses a WITH item name used twice, or one of the names it gives itself', () => {
    const named = (name: string) => ({
      with: [[name, 'INSERT INTO a VALUES (1)'] as const],
      text: 'SELECT 1',
      values: [],
    });
    expect(() => asOneStatement([named('created'), named('created')])).toThrow('not a fresh');
    expect(() => asOneStatement([named('w1')])).toThrow('not a fresh');
    expect(() => asOneStatement([named('Bad Name')])).toThrow('not a fresh');
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
