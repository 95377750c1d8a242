/**
 * The order of a layer's writes when it has a timeout (lib/core/write-order.ts, through LayerRuntime):
 * a write of a key is sent only once the earlier writes of that key settled, even past its deadline; a
 * cache layer reads a key as a miss while a write of it that timed out has not settled; the primary is
 * read as usual, and reports a write that landed after its deadline.
 */
import { describe, expect, it } from '@jest/globals';
import { LayerTimeoutError, type Store } from '../../lib/index.js';
import { LayerRuntime } from '../../lib/core/layer-runtime.js';

const TIMEOUT = 20;

interface Held {
  call: string;
  release(fail?: boolean): void;
}

/** Every write waits until the test releases it (in any order); reads answer at once. */
class HeldWrites implements Store<string, string> {
  readonly data = new Map<string, string>();
  readonly sent: string[] = [];
  readonly held: Held[] = [];

  get = async (key: string) => this.data.get(key);
  getMany = async (keys: readonly string[]) => keys.map((key) => this.data.get(key));
  set = (key: string, value: string) => this.#hold(`set(${key}=${value})`, () => this.data.set(key, value));
  delete = (key: string) => this.#hold(`delete(${key})`, () => this.data.delete(key));
  setMany = (entries: ReadonlyArray<{ key: string; value: string }>) =>
    this.#hold(`setMany(${entries.map((e) => `${e.key}=${e.value}`).join(',')})`, () => {
      for (const { key, value } of entries) this.data.set(key, value);
    });

  #hold(call: string, apply: () => void): Promise<void> {
    this.sent.push(call);
    return new Promise<void>((resolve, reject) => {
      this.held.push({
        call,
        release: (fail = false) => {
          if (fail) return reject(new Error(`${call} failed`));
          apply();
          resolve();
        },
      });
    });
  }

  release(call: string, fail = false): void {
    const index = this.held.findIndex((held) => held.call === call);
    if (index < 0) throw new Error(`${call} is not held; held: ${this.held.map((h) => h.call).join(', ')}`);
    this.held.splice(index, 1)[0].release(fail);
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** `timeout`: a test that must not see a write time out (on a busy machine too) gives a long one. */
function cacheLayer(store: HeldWrites, timeout = TIMEOUT): LayerRuntime<string, string> {
  return new LayerRuntime<string, string>({ store, timeout, name: 'cache' }, 0);
}

describe('the order of a layer’s writes, with a timeout', () => {
  it('a batch write waits for the earlier writes of each of its keys, then goes out', async () => {
    const store = new HeldWrites();
    // Ordered because the layer has a timeout; none must elapse here, however slow the machine.
    const layer = cacheLayer(store, 60_000);
    const a = layer.set('a', '1', undefined);
    const b = layer.delete('b');
    const batch = layer.setMany([
      { key: 'a', value: '2' },
      { key: 'b', value: '2' },
    ]);
    expect(store.sent).toEqual(['set(a=1)', 'delete(b)']);
    store.release('set(a=1)');
    await a;
    await flush();
    expect(store.sent).toEqual(['set(a=1)', 'delete(b)']); // b still in flight
    store.release('delete(b)');
    await b;
    await flush();
    expect(store.sent).toEqual(['set(a=1)', 'delete(b)', 'setMany(a=2,b=2)']);
    store.release('setMany(a=2,b=2)');
    await batch;
    expect(store.data).toEqual(
      new Map([
        ['a', '2'],
        ['b', '2'],
      ]),
    );
  });

  it('a write that timed out: its key reads as a miss in a cache layer until it settled, failed or not', async () => {
    const store = new HeldWrites();
    store.data.set('a', 'old');
    store.data.set('b', 'B');
    const layer = cacheLayer(store);
    expect(await layer.get('a')).toBe('old');

    await expect(layer.set('a', 'new', undefined)).rejects.toBeInstanceOf(LayerTimeoutError);
    expect(await layer.get('a')).toBeUndefined(); // unknown: 'old', or 'new' once it lands
    expect(await layer.getWithExpiry('a')).toBeUndefined();
    expect(await layer.getMany(['b', 'a'])).toEqual(['B', undefined]);
    expect(await layer.get('b')).toBe('B'); // other keys are read as usual

    store.release('set(a=new)', true); // it failed after all
    await flush();
    expect(await layer.get('a')).toBe('old');
  });

  it('a key listed twice in one batch write, which times out, is known again once it settled', async () => {
    const store = new HeldWrites();
    const layer = cacheLayer(store);
    const batch = layer.setMany([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
    ]);
    await expect(batch).rejects.toBeInstanceOf(LayerTimeoutError);
    expect(await layer.get('a')).toBeUndefined();
    const next = layer.set('a', '3', undefined); // waits for the batch
    expect(store.sent).toEqual(['setMany(a=1,a=2)']);
    store.release('setMany(a=1,a=2)');
    await flush();
    expect(store.sent).toEqual(['setMany(a=1,a=2)', 'set(a=3)']);
    store.release('set(a=3)');
    await next.catch(() => {}); // resolved, or timed out while it waited: either way it was sent
    await flush();
    expect(await layer.get('a')).toBe('3');
  });

  it('the primary is read as usual while a write of the key is late, and reports the write once it landed', async () => {
    const store = new HeldWrites();
    store.data.set('a', 'old');
    const primary = new LayerRuntime<string, string>(
      { store, timeout: TIMEOUT, name: 'db', primary: true },
      1,
    );
    const landedLate: string[][] = [];
    primary.onLateWrite = (keys) => landedLate.push([...keys]);

    await expect(primary.set('a', 'new', undefined)).rejects.toBeInstanceOf(LayerTimeoutError);
    expect(await primary.get('a')).toBe('old'); // the source of truth: never skipped
    await expect(primary.delete('b')).rejects.toBeInstanceOf(LayerTimeoutError);
    store.release('delete(b)', true); // failed: nothing landed, nothing to report
    store.release('set(a=new)');
    await flush();

    expect(landedLate).toEqual([['a']]);
    expect(await primary.get('a')).toBe('new');
  });
});
