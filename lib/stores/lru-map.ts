/** The fewest slots a map allocates at first, and the step it grows by at least. */
const MIN_CAPACITY = 64;

/**
 * A map of at most `max` entries that drops the least recently used one to make room, with an optional
 * expiry per entry (epoch ms; 0: never): MemoryStore's storage.
 *
 * Each entry lives in a numbered slot: a `Map` gives the key's slot, and parallel arrays hold each slot's
 * key, value, expiry and its two links in the recency list (typed arrays for the numbers). So an entry
 * costs the `Map`'s entry and 32 bytes, allocates nothing once the arrays are sized, and a read is one
 * `Map` lookup. Slot 0 is the list's sentinel: `next[0]` is the most recently used slot, `prev[0]` the
 * least; the list is circular, so linking and unlinking need no test for its ends. A deleted entry's
 * slot is chained into a free list through `next`. The arrays grow by doubling, up to `max + 1` slots.
 *
 * Expiry is lazy: an expired entry is dropped when a read finds it (or when it is evicted), never by a
 * timer. The map reads the clock it was given only for an entry that has an expiry.
 */
export class LruMap<K, V> {
  readonly #max: number;
  readonly #now: () => number;
  readonly #slots = new Map<K, number>();
  #keys!: Array<K | undefined>;
  #values!: Array<V | undefined>;
  #expiries!: Float64Array;
  #prev!: Uint32Array;
  #next!: Uint32Array;
  /** Slots handed out so far, the sentinel included: slots from here on were never used. */
  #used = 1;
  /** The first freed slot (chained through `next`); 0: none. */
  #free = 0;

  /**
   * @param max the most entries held (a whole number >= 1)
   * @param now the clock that expiries are compared with (epoch ms)
   */
  constructor(max: number, now: () => number) {
    this.#max = max;
    this.#now = now;
    this.#allocate(Math.min(max + 1, MIN_CAPACITY));
  }

  /** Entries held, expired ones included until they are read or evicted. */
  get size(): number {
    return this.#slots.size;
  }

  /** The value of a live entry, which becomes the most recently used; an expired one is dropped. */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    const expiresAt = this.#expiries[slot];
    if (expiresAt !== 0 && expiresAt <= this.#now()) {
      this.#remove(slot);
      return undefined;
    }
    if (this.#next[0] !== slot) this.#toFront(slot);
    return this.#values[slot];
  }

  /**
   * `get`, by slot: the slot of a live entry (made the most recently used), or -1. The slot is valid
   * until the next write; read it with `valueAt` and `expiryAt`.
   */
  find(key: K): number {
    const slot = this.#slots.get(key);
    if (slot === undefined) return -1;
    const expiresAt = this.#expiries[slot];
    if (expiresAt !== 0 && expiresAt <= this.#now()) {
      this.#remove(slot);
      return -1;
    }
    if (this.#next[0] !== slot) this.#toFront(slot);
    return slot;
  }

  /** The value in a slot returned by `find`. */
  valueAt(slot: number): V {
    return this.#values[slot] as V;
  }

  /** The expiry (epoch ms) of a slot returned by `find`; 0: none. */
  expiryAt(slot: number): number {
    return this.#expiries[slot];
  }

  /** Whether a live entry is held; no recency update, nothing dropped. */
  has(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    const expiresAt = this.#expiries[slot];
    return expiresAt === 0 || expiresAt > this.#now();
  }

  /**
   * Writes an entry (replacing the key's value and expiry) as the most recently used; when the map is
   * full, the least recently used entry makes room. `expiresAt`: epoch ms, or 0 for no expiry.
   */
  set(key: K, value: V, expiresAt: number): void {
    const slots = this.#slots;
    let slot = slots.get(key);
    if (slot !== undefined) {
      this.#values[slot] = value;
      this.#expiries[slot] = expiresAt;
      if (this.#next[0] !== slot) this.#toFront(slot);
      return;
    }
    if (slots.size >= this.#max) {
      // Evict: the least recently used slot is reused as it is, its links included.
      slot = this.#prev[0];
      slots.delete(this.#keys[slot] as K);
      this.#unlink(slot);
    } else if (this.#free !== 0) {
      slot = this.#free;
      this.#free = this.#next[slot];
    } else {
      if (this.#used === this.#expiries.length) this.#grow();
      slot = this.#used++;
    }
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#expiries[slot] = expiresAt;
    slots.set(key, slot);
    this.#linkFront(slot);
  }

  /** Drops the key's entry; whether it was held (expired or not). */
  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#remove(slot);
    return true;
  }

  /** Drops every entry and gives back the arrays' memory. */
  clear(): void {
    this.#slots.clear();
    this.#allocate(Math.min(this.#max + 1, MIN_CAPACITY));
  }

  /** The keys of the live entries, most recently used first: a new array. */
  keys(): K[] {
    const keys: K[] = [];
    const next = this.#next;
    const expiries = this.#expiries;
    const now = this.#now;
    let clock = -1;
    for (let slot = next[0]; slot !== 0; slot = next[slot]) {
      const expiresAt = expiries[slot];
      if (expiresAt !== 0) {
        if (clock < 0) clock = now();
        if (expiresAt <= clock) continue;
      }
      keys.push(this.#keys[slot] as K);
    }
    return keys;
  }

  #remove(slot: number): void {
    this.#slots.delete(this.#keys[slot] as K);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    this.#unlink(slot);
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  #toFront(slot: number): void {
    this.#unlink(slot);
    this.#linkFront(slot);
  }

  #unlink(slot: number): void {
    const prev = this.#prev;
    const next = this.#next;
    const before = prev[slot];
    const after = next[slot];
    next[before] = after;
    prev[after] = before;
  }

  #linkFront(slot: number): void {
    const prev = this.#prev;
    const next = this.#next;
    const first = next[0];
    next[slot] = first;
    prev[slot] = 0;
    prev[first] = slot;
    next[0] = slot;
  }

  #allocate(capacity: number): void {
    this.#keys = new Array<K | undefined>(capacity);
    this.#values = new Array<V | undefined>(capacity);
    this.#expiries = new Float64Array(capacity);
    this.#prev = new Uint32Array(capacity);
    this.#next = new Uint32Array(capacity);
    this.#used = 1;
    this.#free = 0;
  }

  #grow(): void {
    const used = this.#used;
    const capacity = Math.min(this.#max + 1, used * 2);
    const keys = new Array<K | undefined>(capacity);
    const values = new Array<V | undefined>(capacity);
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    for (let slot = 1; slot < used; slot++) {
      keys[slot] = oldKeys[slot];
      values[slot] = oldValues[slot];
    }
    this.#keys = keys;
    this.#values = values;
    this.#expiries = grown(new Float64Array(capacity), this.#expiries);
    this.#prev = grown(new Uint32Array(capacity), this.#prev);
    this.#next = grown(new Uint32Array(capacity), this.#next);
  }
}

function grown<T extends Float64Array | Uint32Array>(to: T, from: T): T {
  to.set(from);
  return to;
}
