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
  /** The index of the layer that served the value; -1 for a miss or while walking. */
  servedBy: number;
}

/** A loader call shared by every concurrent getOrLoad of one key. */
export interface SharedLoad<V> extends ReadTicket {
  promise: Promise<V | undefined>;
}

/** Everything in flight for one key. It exists only while something is, so an idle key costs nothing. */
export class KeyFlight<V> {
  walk: SharedWalk<V> | undefined;
  load: SharedLoad<V> | undefined;
  /**
   * The last load of the key that no write has superseded, kept while the flight lives: a getOrLoad
   * whose walk missed because it read the layers before that load's write landed uses its result (or
   * its rejection) instead of calling the loader again.
   */
  settledLoad: SharedLoad<V> | undefined;
  /** Readers that may still write: walks, loads and their backfills. */
  readonly readers = new Set<ReadTicket>();
  /** Writes of this key in progress. */
  writing = 0;
  /** The last write of this key; the next one waits for it, so that writes of a key land in order. */
  lastWrite: Promise<void> | undefined;

  /** A write overlapped every current reader: none may write back, and no new reader may join them. */
  overlapWrite(): void {
    this.walk = undefined;
    this.load = undefined;
    this.settledLoad = undefined;
    for (const reader of this.readers) reader.stale = true;
  }

  /** The layer writes of the readers, which a write must wait for so that it lands after them. */
  pendingReaderWrites(): Promise<unknown>[] {
    const pending: Promise<unknown>[] = [];
    for (const reader of this.readers) if (reader.pendingWrite) pending.push(reader.pendingWrite);
    return pending;
  }

  get idle(): boolean {
    return (
      this.walk === undefined && this.load === undefined && this.readers.size === 0 && this.writing === 0
    );
  }
}

/** The flights of all keys, created on demand and dropped as soon as they are idle. */
export class FlightTable<K, V> {
  readonly #flights = new Map<K, KeyFlight<V>>();

  find(key: K): KeyFlight<V> | undefined {
    return this.#flights.get(key);
  }

  open(key: K): KeyFlight<V> {
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = new KeyFlight<V>();
      this.#flights.set(key, flight);
    }
    return flight;
  }

  release(key: K, flight: KeyFlight<V>): void {
    if (flight.idle && flight.lastWrite === undefined && this.#flights.get(key) === flight)
      this.#flights.delete(key);
  }

  get size(): number {
    return this.#flights.size;
  }
}
