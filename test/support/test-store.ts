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
  method: 'get' | 'set' | 'delete' | 'getMany' | 'getWithExpiry';
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
  missAsNotFound = false;
  closed = false;

  constructor(entries: Record<string, V> = {}) {
    for (const [key, value] of Object.entries(entries)) this.data.set(key, value);
  }

  async get(key: string): Promise<V | undefined> {
    this.calls.push({ method: 'get', key });
    await this.#enter('get');
    const value = this.data.get(key);
    if (value === undefined && this.missAsNotFound) throw new NotFoundError(`${key} not found`);
    return value;
  }

  async set(key: string, value: V, ttl?: number): Promise<void> {
    this.calls.push({ method: 'set', key, value, ttl });
    await this.#enter('set');
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.calls.push({ method: 'delete', key });
    await this.#enter('delete');
    this.data.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  count(method: Call['method']): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  async #enter(method: Call['method']): Promise<void> {
    const gate = this.gates[method];
    if (gate) await gate;
    if (method in this.failures) throw this.failures[method];
  }
}

/** Lets every pending promise callback run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
