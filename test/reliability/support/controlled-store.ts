import type { Store } from '../../../lib/index.js';

export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

type Method = 'get' | 'set' | 'delete';

/**
 * A hand-driven store for regression tests. `hold(method, key)` makes the next such call wait for the
 * returned gate: a held `get` reads the map when called and answers when the gate opens (an answer that
 * travels slowly); a held `set`/`delete` lands when the gate opens. `fail(method, key)` makes such calls
 * reject. Calls are logged.
 */
export class ControlledStore implements Store<string, string> {
  readonly data = new Map<string, string>();
  readonly calls: string[] = [];
  readonly #holds: Array<{ method: Method; key: string; gate: Gate }> = [];
  readonly #failing = new Set<string>();
  getSync?: (key: string) => string | undefined;
  getMany?: (keys: readonly string[]) => Promise<Array<string | undefined>>;

  /** `sync`: with getSync; `batch`: with getMany (reads the map when called, answers at once). */
  constructor(entries: Record<string, string> = {}, options: { sync?: boolean; batch?: boolean } = {}) {
    for (const [key, value] of Object.entries(entries)) this.data.set(key, value);
    if (options.sync) this.getSync = (key) => this.data.get(key);
    if (options.batch) {
      this.getMany = async (keys) => {
        this.calls.push(`getMany(${keys.join(',')})`);
        return keys.map((key) => this.data.get(key));
      };
    }
  }

  hold(method: Method, key: string): Gate {
    const held = gate();
    this.#holds.push({ method, key, gate: held });
    return held;
  }

  fail(method: Method, key: string): void {
    this.#failing.add(`${method}:${key}`);
  }

  count(method: Method, key: string): number {
    return this.calls.filter((call) => call === `${method}(${key})`).length;
  }

  async get(key: string): Promise<string | undefined> {
    this.calls.push(`get(${key})`);
    const value = this.data.get(key);
    const held = this.#take('get', key);
    if (held) await held.promise;
    this.#maybeFail('get', key);
    return value;
  }

  async set(key: string, value: string): Promise<void> {
    this.calls.push(`set(${key})`);
    const held = this.#take('set', key);
    if (held) await held.promise;
    this.#maybeFail('set', key);
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.calls.push(`delete(${key})`);
    const held = this.#take('delete', key);
    if (held) await held.promise;
    this.#maybeFail('delete', key);
    this.data.delete(key);
  }

  #take(method: Method, key: string): Gate | undefined {
    const index = this.#holds.findIndex((h) => h.method === method && h.key === key);
    if (index < 0) return undefined;
    return this.#holds.splice(index, 1)[0].gate;
  }

  #maybeFail(method: Method, key: string): void {
    if (this.#failing.has(`${method}:${key}`)) throw new Error(`${method}(${key}) failed`);
  }
}

/** Lets every pending promise callback run (no timer: it only flushes the job queues). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
