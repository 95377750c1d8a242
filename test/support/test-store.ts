import { NotFoundError, type Store } from '../../lib/index.js';

/** A call the test can see and settle by hand. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export interface Call {
  method:
    | 'get'
    | 'set'
    | 'delete'
    | 'getMany'
    | 'getWithExpiry'
    | 'has'
    | 'clear'
    | 'keys'
    | 'getSet'
    | 'deleteMany';
  key: unknown;
  value?: unknown;
  ttl?: number;
}

/**
 * A small in-test store: a Map, a log of calls, and hooks to delay or fail any call, so that tests can
 * drive interleavings deterministically (no sleeps).
 */
export class TestStore<V = unknown> implements Store<string, V> {
  readonly data = new Map<string, V>();
  readonly calls: Call[] = [];
  /** When set, every call of that method waits for the gate. */
  readonly gates: Partial<Record<Call['method'], Promise<void>>> = {};
  /** When set, every call of that method rejects with it. */
  readonly failures: Partial<Record<Call['method'], unknown>> = {};
  /** Gates for single calls: the next call of a method waits for the first gate queued for it. */
  readonly #nextGates: Partial<Record<Call['method'], Promise<void>[]>> = {};
  missAsNotFound = false;
  closed = false;

  constructor(entries: Record<string, V> = {}) {
    for (const [key, value] of Object.entries(entries)) this.data.set(key, value);
  }

  /** Reads the value when called, then waits: a held read returns what the layer held at that moment. */
  async get(key: string): Promise<V | undefined> {
    this.calls.push({ method: 'get', key });
    const value = this.data.get(key);
    await this.enter('get');
    if (value === undefined && this.missAsNotFound) throw new NotFoundError(`${key} not found`);
    return value;
  }

  async set(key: string, value: V, ttl?: number): Promise<void> {
    this.calls.push({ method: 'set', key, value, ttl });
    await this.enter('set');
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.calls.push({ method: 'delete', key });
    await this.enter('delete');
    this.data.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Holds the next call of `method` until the returned gate opens. */
  holdNext(method: Call['method']): Gate {
    const held = gate();
    (this.#nextGates[method] ??= []).push(held.promise);
    return held;
  }

  count(method: Call['method']): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  /** Waits for the gates of `method`, then throws its failure if one is set. */
  protected async enter(method: Call['method']): Promise<void> {
    const next = this.#nextGates[method]?.shift();
    if (next) await next;
    const gate = this.gates[method];
    if (gate) await gate;
    if (method in this.failures) throw this.failures[method];
  }
}

/** Lets every pending promise callback run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A TestStore with a batch read, one call per batch. */
export class BatchTestStore<V = unknown> extends TestStore<V> {
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    this.calls.push({ method: 'getMany', key: [...keys] });
    const values = keys.map((key) => this.data.get(key));
    const failure = this.failures.getMany;
    if (failure !== undefined) throw failure;
    await this.gates.getMany;
    return values;
  }
}

/** A TestStore with every optional method of API.md §5: has, clear, keys, getSet (atomic), deleteMany. */
export class FullTestStore<V = unknown> extends TestStore<V> {
  async has(key: string): Promise<boolean> {
    this.calls.push({ method: 'has', key });
    const held = this.data.has(key);
    await this.enter('has');
    return held;
  }

  async clear(): Promise<void> {
    this.calls.push({ method: 'clear', key: undefined });
    await this.enter('clear');
    this.data.clear();
  }

  async *keys(): AsyncGenerator<string> {
    this.calls.push({ method: 'keys', key: undefined });
    await this.enter('keys');
    for (const key of [...this.data.keys()]) yield key;
  }

  async getSet(key: string, value: V, ttl?: number): Promise<V | undefined> {
    this.calls.push({ method: 'getSet', key, value, ttl });
    await this.enter('getSet');
    const old = this.data.get(key);
    this.data.set(key, value);
    return old;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    this.calls.push({ method: 'deleteMany', key: [...keys] });
    await this.enter('deleteMany');
    for (const key of keys) this.data.delete(key);
  }
}

/**
 * A FullTestStore whose entries expire on the (possibly faked) clock `Date.now()`, and which tells
 * expiries through getWithExpiry / getManyWithExpiry: the store the freshness tests drive with a fake clock.
 */
export class ExpiringTestStore<V = unknown> extends FullTestStore<V> {
  readonly expiries = new Map<string, number>();

  override async get(key: string): Promise<V | undefined> {
    this.#expire(key);
    return super.get(key);
  }

  async getWithExpiry(key: string): Promise<{ value: V; expiresAt?: number } | undefined> {
    this.#expire(key);
    this.calls.push({ method: 'getWithExpiry', key });
    const value = this.data.get(key);
    const expiresAt = this.expiries.get(key);
    await this.enter('getWithExpiry');
    if (value === undefined) return undefined;
    return expiresAt === undefined ? { value } : { value, expiresAt };
  }

  override async set(key: string, value: V, ttl?: number): Promise<void> {
    await super.set(key, value, ttl);
    if (ttl === undefined) this.expiries.delete(key);
    else this.expiries.set(key, Date.now() + ttl);
  }

  override async delete(key: string): Promise<void> {
    await super.delete(key);
    this.expiries.delete(key);
  }

  /** Puts an entry that expires at `expiresAt` without recording a call. */
  put(key: string, value: V, expiresAt?: number): void {
    this.data.set(key, value);
    if (expiresAt === undefined) this.expiries.delete(key);
    else this.expiries.set(key, expiresAt);
  }

  #expire(key: string): void {
    const expiresAt = this.expiries.get(key);
    if (expiresAt !== undefined && Date.now() >= expiresAt) {
      this.data.delete(key);
      this.expiries.delete(key);
    }
  }
}
