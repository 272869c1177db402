/**
 * Fewer deletions than this between renewals would copy a small map for nothing; the map is
 * renewed after this many plus twice its size, so a copy costs O(1) per deletion, amortized.
 */
const RENEW_MIN = 64;

/**
 * A Map for keys that come and go all the time (the tasks a worker holds right now), replaced by
 * a copy of itself every so often.
 *
 * Why: V8 grows or compacts a Map by moving its entries into a new table and leaving in the old
 * table a link to the new one (for iterators still walking the old table). Once one of those
 * tables has lived long enough to reach the old generation (say, while the worker was idle),
 * every later table hangs off it, and a young-generation GC cannot tell that the old table is
 * dead: it keeps each later table, and every value they held, and promotes them. Only a full GC
 * frees them. A worker draining 50,000 no-op tasks promoted ~90 MB that way (every task record,
 * attempt and closure), GC took ~9% of the drain, and peak RSS grew by tens of MB. A Map built by
 * copying has no link from the old one's tables, so renewing cuts any such chain short.
 *
 * A loop that deletes as it iterates may see a renewal under it: it goes on over the old map,
 * so it can still meet an entry deleted after the renewal (deleting it again does nothing).
 */
export class ChurnMap<K, V> {
  #map = new Map<K, V>();
  #deletes = 0;

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): this {
    this.#map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (!this.#map.delete(key)) return false;
    if (++this.#deletes >= RENEW_MIN + 2 * this.#map.size) {
      this.#map = new Map(this.#map);
      this.#deletes = 0;
    }
    return true;
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#map[Symbol.iterator]();
  }
}
