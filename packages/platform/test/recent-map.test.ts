import { describe, expect, it } from 'vitest';
import { RecentMap } from '../src/recent-map.js';

describe('RecentMap', () => {
  it('keeps at most its capacity, forgetting the entry written longest ago', () => {
    const map = new RecentMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...map.entries()]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });

  it('refuses a capacity that cannot hold anything', () => {
    expect(() => new RecentMap(0)).toThrow(/capacity/);
  });
});
