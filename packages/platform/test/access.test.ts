import { describe, expect, it } from 'vitest';
import { answersInKeyOrder, readScopeOf, scopeAllows } from '../src/access.js';

describe('read scopes', () => {
  it('give a partner its account, a session its own inquiry, and an admin nothing to read', () => {
    expect(readScopeOf({ kind: 'partner', accountId: 'a', keyId: 'k', scopes: [] })).toEqual({
      accountId: 'a',
    });
    const session = readScopeOf({ kind: 'session', accountId: 'a', inquiryId: 'i' });
    expect(session).toEqual({ accountId: 'a', inquiryId: 'i' });
    expect(scopeAllows(session!, 'i')).toBe(true);
    expect(scopeAllows(session!, 'other')).toBe(false);
    expect(readScopeOf({ kind: 'admin' })).toBeNull();
  });
});

describe('a loader batch in key order', () => {
  it('answers each key with its row, a repeated key twice, and an unseen key with the stand-in', () => {
    const rows = [
      { id: 'b', n: 2 },
      { id: 'a', n: 1 },
    ];
    expect(answersInKeyOrder(['a', 'x', 'b', 'a'], rows, (row) => row.id, null)).toEqual([
      { id: 'a', n: 1 },
      null,
      { id: 'b', n: 2 },
      { id: 'a', n: 1 },
    ]);
    expect(answersInKeyOrder(['x'], [], (row: { id: string }) => row.id, [])).toEqual([[]]);
  });
});
