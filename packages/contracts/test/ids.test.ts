import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from '../src/ids.js';

describe('uuidv7', () => {
  it('sorts ids made in one millisecond in the order they were made', () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('sorts by time across milliseconds, a later one after every id of an earlier one', () => {
    const now = Date.now();
    const earlier = Array.from({ length: 50 }, () => uuidv7(now));
    const later = uuidv7(now + 1);
    expect(earlier.every((id) => id < later)).toBe(true);
  });

  it('is an RFC 9562 version 7 id with its timestamp first', () => {
    const now = 1_764_201_600_123;
    const id = uuidv7(now);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });
});
