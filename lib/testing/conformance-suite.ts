import { NotFoundError } from '../core/errors.js';
import { fail, reasonOf, show } from './assertions.js';
import type { ConformanceCheck } from './conformance-check.js';
import type { ConformanceSettings } from './conformance-options.js';
import { markSkipped } from './conformance-runner.js';
import { KeySource } from './key-source.js';
import { hasCapability } from './store-capability.js';
import { StoreProbe } from './store-probe.js';
import { openStore, type OpenedStore, type StoreUnderTest } from './store-under-test.js';

/** How many keys the cleanup deletes at once. */
const CLEANUP_BATCH = 25;

/**
 * One run of the suite against one store: opens it before the first test, hands each check a probe,
 * deletes every key a test used after it, and releases the store after the last test.
 */
export class ConformanceSuite<K, V> {
  readonly #name: string;
  readonly #make: () => StoreUnderTest<K, V> | Promise<StoreUnderTest<K, V>>;
  readonly #settings: ConformanceSettings<K, V>;
  readonly #keys: KeySource<K>;
  #opened: OpenedStore<K, V> | undefined;
  #used: K[] = [];

  constructor(
    name: string,
    make: () => StoreUnderTest<K, V> | Promise<StoreUnderTest<K, V>>,
    settings: ConformanceSettings<K, V>,
  ) {
    this.#name = name;
    this.#make = make;
    this.#settings = settings;
    this.#keys = new KeySource(settings.key);
  }

  async open(): Promise<void> {
    this.#opened = await openStore(this.#name, this.#make);
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    await opened?.cleanup();
  }

  /** Deletes every key the test used, so that the next test finds a store as the suite left it. */
  async cleanUp(): Promise<void> {
    const used = this.#used;
    this.#used = [];
    const store = this.#opened?.store;
    if (!store) return;
    for (let i = 0; i < used.length; i += CLEANUP_BATCH) {
      await Promise.all(
        used.slice(i, i + CLEANUP_BATCH).map(async (key) => {
          try {
            await store.delete(key);
          } catch (error) {
            // Deleting a key that was never written: the delete checks report a store that rejects it.
            if (error instanceof NotFoundError) return;
            fail(`cleanup after the test: delete(${show(key)}) rejected with ${reasonOf(error)}`);
          }
        }),
      );
    }
  }

  /** Runs a check, or skips it (or fails it) when the store lacks what it needs. */
  async run(check: ConformanceCheck, context: unknown): Promise<void> {
    const opened = this.#opened;
    if (!opened) {
      fail(
        `${this.#name}: there is no store to check (make() failed or gave nothing; see the error of the suite's setup)`,
      );
    }
    const skip = this.#skipReason(check, opened.store);
    if (skip !== undefined) {
      markSkipped(context, skip);
      return;
    }
    const probe = new StoreProbe(opened.store, this.#settings, this.#keys, this.#used);
    await check.run(probe as unknown as StoreProbe<unknown, unknown>);
  }

  #skipReason(check: ConformanceCheck, store: object): string | undefined {
    const settings = this.#settings;
    const needs = check.needs ?? [];
    const skipped = needs.find((capability) => settings.skipped.has(capability));
    if (skipped !== undefined) return `options.skip lists '${skipped}'`;
    const missing = needs.find(
      (capability) => !settings.required.has(capability) && !hasCapability(store, capability),
    );
    if (missing !== undefined) return `the store has no ${missing}()`;
    if (check.anyValue && settings.ownValues) return 'the store holds only the values of options.value';
    if (check.isolated && !settings.isolated) {
      return 'it empties the whole store: it runs only with options.isolated (a store of its own)';
    }
    // The check applies: a required capability the store lacks fails it.
    const missingRequired = needs.find((capability) => !hasCapability(store, capability));
    if (missingRequired !== undefined) {
      fail(`the store has no ${missingRequired}(), which options.require lists`);
    }
    return undefined;
  }
}
