import type { Store } from '../../../lib/index.js';

/**
 * A Map-based in-process layer (values kept by reference) that logs every call and whose methods can be
 * replaced per test, to play a misbehaving backend.
 */
export class RecordingStore implements Store<unknown, unknown> {
  readonly data = new Map<unknown, unknown>();
  readonly calls: Array<{ method: string; key: unknown; value?: unknown }> = [];
  getMany?: (keys: readonly unknown[]) => Promise<Array<unknown>>;

  constructor(options: { batch?: boolean } = {}) {
    if (options.batch) {
      this.getMany = async (keys) => {
        this.calls.push({ method: 'getMany', key: keys });
        return keys.map((key) => this.data.get(key));
      };
    }
  }

  async get(key: unknown): Promise<unknown> {
    this.calls.push({ method: 'get', key });
    return this.data.get(key);
  }

  async set(key: unknown, value: unknown): Promise<void> {
    this.calls.push({ method: 'set', key, value });
    this.data.set(key, value);
  }

  async delete(key: unknown): Promise<void> {
    this.calls.push({ method: 'delete', key });
    this.data.delete(key);
  }
}
