import type { ServedInfo } from './operation.js';

/**
 * A read that may still write the value it found back into the layers (a walk's backfill, a load's
 * write). A write of the same key marks it stale; a stale reader writes nothing more.
 */
export interface ReadTicket {
  stale: boolean;
  /** The layer write this reader has in flight, which a write of the key must let land first. */
  pendingWrite: Promise<unknown> | undefined;
}

/** A walk of the layers shared by every concurrent reader of one key. */
export interface SharedWalk<V> extends ReadTicket {
  promise: Promise<V | undefined>;
  /** Readers still waiting for it; a walk whose readers all aborted stops before the next layer. */
  active: number;
  abortReason: unknown;
  /** The name of the layer that served the value (`'loader'` for a refresh's load); undefined for a miss. */
  servedName: string | undefined;
  /** Whether the value served was stale (and, internally, whether the miss was a known miss). */
  servedInfo: ServedInfo;
}

/** What a background refresh found: a fresh value and where it came from; undefined when it found none. */
export interface RefreshOutcome<V> {
  value: V;
  layerName: string;
}

/** The background refresh of a stale (or nearly stale) entry, shared by every reader of the key. */
export interface SharedRefresh<V> extends ReadTicket {
  promise: Promise<RefreshOutcome<V> | undefined>;
  /** Whether it calls a loader when the layers below have nothing (a getOrLoad's refresh). */
  loads: boolean;
}

/** A loader call shared by every concurrent getOrLoad of one key. */
export interface SharedLoad<V> extends ReadTicket {
  promise: Promise<V | undefined>;
  /** `KeyFlight.writesDone` when the walk that led to this load began. */
  since: number;
}

/** Everything in flight for one key. It exists only while something is, so an idle key costs nothing. */
export class KeyFlight<V> {
  /** The shared walk of every layer; `cacheWalk` is the walk of the cache layers only (`cachesOnly`). */
  walk: SharedWalk<V> | undefined;
  cacheWalk: SharedWalk<V> | undefined;
  /** The shared load after a walk of every layer; `cacheLoad` after a walk of the caches only. */
  load: SharedLoad<V> | undefined;
  cacheLoad: SharedLoad<V> | undefined;
  /** The background refresh of the key in flight. */
  refresh: SharedRefresh<V> | undefined;
  /**
   * The result of the plain getOrLoad of the key in flight (no options, no middleware): a plain caller
   * arriving meanwhile returns it instead of joining the walk and the load one step at a time.
   */
  sharedGetOrLoad: Promise<V | undefined> | undefined;
  /**
   * The last load of the key that no write has superseded, kept while the flight lives: a getOrLoad
   * whose walk missed because it read the layers before that load's write landed uses its result (or
   * its rejection) instead of calling the loader again.
   */
  settledLoad: SharedLoad<V> | undefined;
  cacheSettledLoad: SharedLoad<V> | undefined;
  /**
   * Readers that may still write (walks, loads and their backfills): the only one in a field, and a `Set`
   * only while a second one is there, so that a read of an idle key allocates no set.
   */
  #reader: ReadTicket | undefined = undefined;
  #readers: Set<ReadTicket> | undefined = undefined;
  /** Writes of this key in progress. */
  writing = 0;
  /**
   * Writes of this key (and invalidations from other instances) finished since the flight opened: a
   * stale load may only be shared with a reader that began before any write finished after that load's
   * walk began, since such a write is one the reader must see.
   */
  writesDone = 0;
  /** Whether a write of this key holds the right to write; the others wait in #queue, in issue order. */
  #writeLocked = false;
  #queue: Array<() => void> | undefined;
  readonly #table: FlightTable<unknown, V>;

  constructor(table: FlightTable<unknown, V>) {
    this.#table = table;
  }

  /** Whether a write of this key (or a clear of the whole store) is in progress: a reader born now is stale. */
  get beingWritten(): boolean {
    return this.writing > 0 || this.#table.clearing > 0;
  }

  /** A write overlapped every current reader: none may write back, and no new reader may join them. */
  overlapWrite(): void {
    this.walk = undefined;
    this.cacheWalk = undefined;
    this.load = undefined;
    this.cacheLoad = undefined;
    this.settledLoad = undefined;
    this.cacheSettledLoad = undefined;
    this.refresh = undefined;
    this.sharedGetOrLoad = undefined;
    if (this.#reader !== undefined) this.#reader.stale = true;
    if (this.#readers !== undefined) for (const reader of this.#readers) reader.stale = true;
  }

  /** A reader that may still write: a write of the key makes it stale. */
  addReader(reader: ReadTicket): void {
    if (this.#readers !== undefined) {
      this.#readers.add(reader);
    } else if (this.#reader === undefined) {
      this.#reader = reader;
    } else if (this.#reader !== reader) {
      this.#readers = new Set([this.#reader, reader]);
      this.#reader = undefined;
    }
  }

  /** The reader will write nothing more. */
  removeReader(reader: ReadTicket): void {
    if (this.#reader === reader) {
      this.#reader = undefined;
    } else if (this.#readers !== undefined) {
      this.#readers.delete(reader);
      if (this.#readers.size === 0) this.#readers = undefined;
    }
  }

  /** Whether some reader may still write. */
  get hasReaders(): boolean {
    return this.#reader !== undefined || this.#readers !== undefined;
  }

  walkOf(cachesOnly: boolean): SharedWalk<V> | undefined {
    return cachesOnly ? this.cacheWalk : this.walk;
  }

  setWalk(cachesOnly: boolean, walk: SharedWalk<V> | undefined): void {
    if (cachesOnly) this.cacheWalk = walk;
    else this.walk = walk;
  }

  loadOf(cachesOnly: boolean): SharedLoad<V> | undefined {
    return cachesOnly ? this.cacheLoad : this.load;
  }

  settledLoadOf(cachesOnly: boolean): SharedLoad<V> | undefined {
    return cachesOnly ? this.cacheSettledLoad : this.settledLoad;
  }

  setLoad(cachesOnly: boolean, load: SharedLoad<V> | undefined): void {
    if (cachesOnly) this.cacheLoad = load;
    else this.load = load;
  }

  setSettledLoad(cachesOnly: boolean, load: SharedLoad<V>): void {
    if (cachesOnly) this.cacheSettledLoad = load;
    else this.settledLoad = load;
  }

  /** The reader is done: it is no longer the walk or load that new readers join. */
  detach(reader: ReadTicket): void {
    if (this.walk === reader) this.walk = undefined;
    if (this.cacheWalk === reader) this.cacheWalk = undefined;
    if (this.load === reader) this.load = undefined;
    if (this.cacheLoad === reader) this.cacheLoad = undefined;
    if (this.refresh === reader) this.refresh = undefined;
    this.removeReader(reader);
  }

  /**
   * Takes the turn to write the key: `undefined` when it is free at once (no allocation), else a promise
   * that resolves when the writes issued before this one are done. Writes of a key so land in order.
   */
  acquireWrite(): Promise<void> | undefined {
    if (!this.#writeLocked) {
      this.#writeLocked = true;
      return undefined;
    }
    return new Promise<void>((resolve) => (this.#queue ??= []).push(resolve));
  }

  /** Hands the turn to the next write waiting, if any. */
  releaseWrite(): void {
    const next = this.#queue?.shift();
    if (next) next();
    else this.#writeLocked = false;
  }

  /** The layer writes of the readers, which a write must wait for so that it lands after them. */
  pendingReaderWrites(): Promise<unknown>[] {
    const pending: Promise<unknown>[] = [];
    if (this.#reader?.pendingWrite) pending.push(this.#reader.pendingWrite);
    if (this.#readers !== undefined) {
      for (const reader of this.#readers) if (reader.pendingWrite) pending.push(reader.pendingWrite);
    }
    return pending;
  }

  get idle(): boolean {
    return (
      this.walk === undefined &&
      this.cacheWalk === undefined &&
      this.load === undefined &&
      this.cacheLoad === undefined &&
      this.refresh === undefined &&
      !this.hasReaders &&
      this.writing === 0 &&
      !this.#writeLocked
    );
  }
}

/** The flights of all keys, created on demand and dropped as soon as they are idle. */
export class FlightTable<K, V> {
  readonly #flights = new Map<K, KeyFlight<V>>();
  /** Clears of the whole store in progress: every reader born meanwhile is stale. */
  clearing = 0;

  find(key: K): KeyFlight<V> | undefined {
    return this.#flights.get(key);
  }

  open(key: K): KeyFlight<V> {
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = new KeyFlight<V>(this as FlightTable<unknown, V>);
      this.#flights.set(key, flight);
    }
    return flight;
  }

  release(key: K, flight: KeyFlight<V>): void {
    if (flight.idle && this.#flights.get(key) === flight) this.#flights.delete(key);
  }

  get size(): number {
    return this.#flights.size;
  }

  /** Every flight in progress, e.g. for a clear that fences every key. */
  all(): IterableIterator<KeyFlight<V>> {
    return this.#flights.values();
  }
}
