/**
 * A Map that keeps at most `capacity` entries, forgetting the one written longest ago when a new
 * key would pass it: the per-instance caches of facts that are cheap to read again (API keys,
 * immutable rows, settings copies) stay bounded however many keys a process sees.
 */
export class RecentMap<K, V> extends Map<K, V> {
  constructor(readonly capacity: number) {
    super();
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
  }

  /** Writes `key` as the newest entry, evicting the oldest when the map is full. */
  override set(key: K, value: V): this {
    super.delete(key);
    if (this.size >= this.capacity) {
      const oldest = this.keys().next();
      if (!oldest.done) super.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
