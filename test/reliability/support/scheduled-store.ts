import type fc from 'fast-check';
import type { Store } from '../../../lib/index.js';

/** A logical clock shared by a whole program run: every recorded event gets the next tick. */
export class Clock {
  #now = 0;
  tick(): number {
    return ++this.#now;
  }
  get now(): number {
    return this.#now;
  }
}

export type FailableMethod = 'get' | 'getMany' | 'set' | 'delete';

/** An injected layer failure. */
export class InjectedFailure extends Error {
  constructor(layer: string, method: string, key: unknown) {
    super(`injected failure: ${layer}.${method}(${String(key)})`);
    this.name = 'InjectedFailure';
  }
}

/** Which calls of a layer fail: a cyclic plan of decisions, consumed one per call of an allowed method. */
export interface FailurePlan {
  /** Methods whose calls may fail. */
  methods: readonly FailableMethod[];
  /** Cyclic: `true` = that call fails. Empty: never fails. */
  decisions: readonly boolean[];
}

export interface LayerEvent {
  at: number;
  layer: string;
  /** `read`: (with a wall clock) a read of the layer found a copy. */
  method: 'set' | 'delete' | 'read-failure' | 'clear' | 'read';
  key: string;
  value?: string;
  /** With a wall clock: the wall time it landed at (ms). */
  wall?: number;
  /** A set's ttl (ms), as the store gave it. */
  ttl?: number;
}

/**
 * The wall clock of a program run (ms): what `Date.now()` answers while the run's store works, so that
 * entries expire, turn stale and get refreshed only when the program says (a `tick` command).
 */
export class WallClock {
  now = 1_700_000_000_000;
}

/**
 * An in-test layer store whose every call goes through the fast-check scheduler twice: once when the call
 * reaches the backend (the effect happens then: the map is read or written, or the injected failure is
 * raised, before any effect), and once for the answer to travel back. So the scheduler decides both
 * when a write lands and how long a read's (possibly old) answer takes to come back.
 */
export class ScheduledStore implements Store<string, string> {
  readonly data = new Map<string, string>();
  /** Reads per key (get, getWithExpiry, and each key of a getMany). */
  readonly reads = new Map<string, number>();
  readonly events: LayerEvent[] = [];
  /** When each key's entry expires on the wall clock (written with a ttl). */
  readonly expiries = new Map<string, number>();
  #decision = 0;
  getMany?: (keys: readonly string[]) => Promise<Array<string | undefined>>;
  getSync?: (key: string) => string | undefined;
  getWithExpiry?: (key: string) => Promise<{ value: string; expiresAt?: number } | undefined>;
  getSyncWithExpiry?: (key: string) => { value: string; expiresAt?: number } | undefined;
  setSync?: (key: string, value: string, ttl?: number) => void;
  readonly #wall: WallClock | undefined;

  constructor(
    readonly name: string,
    private readonly s: fc.Scheduler,
    private readonly clock: Clock,
    private readonly failures: FailurePlan = { methods: [], decisions: [] },
    options: { batch?: boolean; sync?: boolean; syncSet?: boolean; wall?: WallClock } = {},
  ) {
    this.#wall = options.wall;
    if (options.batch) this.getMany = (keys) => this.#getMany(keys);
    if (options.sync) this.getSync = (key) => this.#live(key);
    // A synchronous write lands when called (no scheduler step), and may fail like a set.
    if (options.syncSet) this.setSync = (key, value, ttl) => this.#write(key, value, ttl);
    if (options.wall) this.getWithExpiry = (key) => this.#getWithExpiry(key);
    if (options.wall && options.sync) {
      this.getSyncWithExpiry = (key) => {
        const value = this.#live(key);
        const expiresAt = this.expiries.get(key);
        if (value === undefined) return undefined;
        return expiresAt === undefined ? { value } : { value, expiresAt };
      };
    }
  }

  /** The key's value unless its entry expired on the wall clock; with a wall clock, a copy found is recorded. */
  #live(key: string): string | undefined {
    if (this.#wall === undefined) return this.data.get(key);
    const expiresAt = this.expiries.get(key);
    if (expiresAt !== undefined && this.#wall.now >= expiresAt) return undefined;
    const value = this.data.get(key);
    if (value !== undefined) {
      this.events.push({
        at: this.clock.tick(),
        layer: this.name,
        method: 'read',
        key,
        value,
        wall: this.#wall.now,
      });
    }
    return value;
  }

  async #getWithExpiry(key: string): Promise<{ value: string; expiresAt?: number } | undefined> {
    this.#countRead(key);
    await this.s.schedule(Promise.resolve(), `${this.name}.getWithExpiry(${key})`);
    this.#maybeFail('get', key, true);
    const value = this.#live(key);
    const expiresAt = this.expiries.get(key);
    await this.s.schedule(Promise.resolve(), `${this.name}.getWithExpiry(${key}) -> ${String(value)}`);
    if (value === undefined) return undefined;
    return expiresAt === undefined ? { value } : { value, expiresAt };
  }

  async clear(): Promise<void> {
    await this.s.schedule(Promise.resolve(), `${this.name}.clear()`);
    this.data.clear();
    this.expiries.clear();
    this.events.push({ at: this.clock.tick(), layer: this.name, method: 'clear', key: '*' });
    await this.s.schedule(Promise.resolve(), `${this.name}.clear() done`);
  }

  async get(key: string): Promise<string | undefined> {
    this.#countRead(key);
    await this.s.schedule(Promise.resolve(), `${this.name}.get(${key})`);
    this.#maybeFail('get', key, true);
    const value = this.#live(key);
    await this.s.schedule(Promise.resolve(), `${this.name}.get(${key}) -> ${String(value)}`);
    return value;
  }

  async #getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    for (const key of keys) this.#countRead(key);
    await this.s.schedule(Promise.resolve(), `${this.name}.getMany(${keys.join(',')})`);
    this.#maybeFail('getMany', keys.join(','), true, keys);
    const values = keys.map((key) => this.#live(key));
    await this.s.schedule(Promise.resolve(), `${this.name}.getMany -> ${values.map(String).join(',')}`);
    return values;
  }

  async set(key: string, value: string, ttl?: number): Promise<void> {
    await this.s.schedule(Promise.resolve(), `${this.name}.set(${key}, ${value})`);
    this.#write(key, value, ttl);
    await this.s.schedule(Promise.resolve(), `${this.name}.set(${key}) done`);
  }

  /** A set's effect (or its injected failure, before any effect). */
  #write(key: string, value: string, ttl: number | undefined): void {
    this.#maybeFail('set', key, false);
    this.data.set(key, value);
    if (ttl !== undefined && this.#wall !== undefined) this.expiries.set(key, this.#wall.now + ttl);
    else this.expiries.delete(key);
    this.events.push({
      at: this.clock.tick(),
      layer: this.name,
      method: 'set',
      key,
      value,
      ...(this.#wall !== undefined ? { wall: this.#wall.now } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
    });
  }

  async delete(key: string): Promise<void> {
    await this.s.schedule(Promise.resolve(), `${this.name}.delete(${key})`);
    this.#maybeFail('delete', key, false);
    this.data.delete(key);
    this.expiries.delete(key);
    this.events.push({ at: this.clock.tick(), layer: this.name, method: 'delete', key });
    await this.s.schedule(Promise.resolve(), `${this.name}.delete(${key}) done`);
  }

  #countRead(key: string): void {
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
  }

  #maybeFail(method: FailableMethod, key: string, read: boolean, keys: readonly string[] = [key]): void {
    const { methods, decisions } = this.failures;
    if (!methods.includes(method) || decisions.length === 0) return;
    const fail = decisions[this.#decision++ % decisions.length];
    if (!fail) return;
    if (read) {
      const at = this.clock.tick();
      for (const k of keys) this.events.push({ at, layer: this.name, method: 'read-failure', key: k });
    }
    throw new InjectedFailure(this.name, method, key);
  }
}
