/**
 * Leaks and bounds. A soak of SOAK_OPS operations (default 1 000 000) on an in-process stack
 * [MemoryStore small enough to evict, MemoryStore with a timeout, an async in-test primary with a
 * timeout], with backfills, loads, callbacks (one of which throws now and then), a backFill$ subscription
 * that is dropped and taken again, and AbortSignals (aborted before the call, during it, or never).
 * The heap is measured after a full GC at 10 %, 50 % and 100 % of the run and must stay flat; afterwards
 * nothing is pending, the counters agree with what the callbacks saw, no abort listener and no timer is
 * left. A second test fills the backfill queue against held writes and checks its bound.
 */
import { describe, expect, it } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Subscription } from 'rxjs';
import {
  DelegatedStore,
  MemoryStore,
  withBackFillCallback,
  withErrorHandler,
  withMaxPendingBackFills,
  type Store,
} from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { freePort } from '../support/redis-server.js';
import { TestStore, flush, gate } from '../support/test-store.js';
import { nextRandom } from '../support/random.js';

const SOAK_OPS = Number(process.env.SOAK_OPS ?? 1_000_000);
const KEYS = 2000;
const WORKERS = 16;
/** Heap growth allowed between 10 % of the run (after warm-up) and its end. */
const HEAP_SLACK = 4 * 1024 * 1024;

/** A full GC: `global.gc` when node runs with --expose-gc, else the same function fetched through V8 flags. */
function getGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

/**
 * The timers left once the short-lived ones ended: a layer's deadline queue keeps its timer until the
 * oldest deadline passed, and MemoryStore's clock a 1 ms one; a leaked timer stays. Waits up to `ms`.
 */
async function timersLeft(limit: number, ms = 1000): Promise<number> {
  for (let waited = 0; waited < ms && timers() > limit; waited += 20) await sleep(20);
  return timers();
}

/** The primary: a Map behind a promise, with call counters. */
class AsyncMapStore implements Store<string, string> {
  readonly data = new Map<string, string>();
  calls = 0;

  async get(key: string): Promise<string | undefined> {
    this.calls++;
    await null;
    return this.data.get(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    this.calls++;
    await null;
    return keys.map((key) => this.data.get(key));
  }

  async set(key: string, value: string): Promise<void> {
    this.calls++;
    await null;
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.calls++;
    await null;
    this.data.delete(key);
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe('leaks and bounds', () => {
  it(`soak: ${SOAK_OPS} operations leave a flat heap, nothing pending, no listener and no timer`, async () => {
    const gc = getGc();
    const timersBefore = timers();
    const primary = new AsyncMapStore();
    for (let i = 0; i < KEYS; i += 2) primary.data.set(`k${i}`, `k${i}#0`);
    const l0 = new MemoryStore<string, string>({ max: 100 });
    const l1 = new MemoryStore<string, string>({ max: 1000 });
    let callbackCalls = 0;
    let throwingCallbackCalls = 0;
    const contained = new Map<string, number>();
    const store = new DelegatedStore<string, string>(
      [
        { store: l0, name: 'l0', ttl: 60_000 },
        { store: l1, name: 'l1', ttl: 60_000, timeout: 200 },
        { store: primary, name: 'primary', primary: true, timeout: 500 },
      ],
      withBackFillCallback(() => void callbackCalls++),
      withErrorHandler((_error, source) => contained.set(source.kind, (contained.get(source.kind) ?? 0) + 1)),
    );
    store.onBackFill(() => {
      if (++throwingCallbackCalls % 1000 === 0) throw new Error('a callback that fails now and then');
    });

    let events = 0;
    let subscription: Subscription | undefined = store.backFill$.subscribe(() => void events++);
    let subscriptions = 1;
    const counts = {
      ops: 0,
      reads: 0,
      writes: 0,
      aborted: 0,
      withSignal: 0,
      leftoverListeners: 0,
      failed: 0,
    };
    let issued = 0;

    const worker = async (seed: number, until: number) => {
      let n = seed;
      while (issued < until) {
        issued++;
        n = nextRandom(n);
        const dice = n % 100;
        const key = `k${(n >>> 8) % KEYS}`;
        // Every 100 000 operations the subscription is dropped, and taken again 10 000 later.
        if (issued % 100_000 === 0 && subscription) {
          subscription.unsubscribe();
          subscription = undefined;
        } else if (issued % 100_000 === 10_000 && !subscription) {
          subscription = store.backFill$.subscribe(() => void events++);
          subscriptions++;
        }
        let controller: AbortController | undefined;
        if ((n >>> 4) % 10 === 0) {
          controller = new AbortController();
          counts.withSignal++;
          if ((n >>> 12) % 3 === 0) controller.abort(new Error('aborted before the call'));
        }
        const options = controller ? { signal: controller.signal } : undefined;
        let operation: Promise<unknown>;
        if (dice < 45) {
          operation = store.get(key, options);
          counts.reads++;
        } else if (dice < 60) {
          operation = store.getOrLoad(key, async (k) => (dice % 2 === 0 ? `${k}@L` : undefined), options);
          counts.reads++;
        } else if (dice < 70) {
          operation = store.getMany([key, `k${(n >>> 9) % KEYS}`, `k${(n >>> 10) % KEYS}`], options);
          counts.reads++;
        } else if (dice < 90) {
          operation = store.set(key, `${key}#${issued}`, options);
          counts.writes++;
        } else {
          operation = store.delete(key, options);
          counts.writes++;
        }
        if (controller && !controller.signal.aborted && (n >>> 12) % 3 === 1) {
          queueMicrotask(() => controller.abort(new Error('aborted during the call')));
        }
        try {
          await operation;
        } catch (error) {
          if (controller?.signal.aborted && error === controller.signal.reason) counts.aborted++;
          else counts.failed++;
        }
        if (controller && getEventListeners(controller.signal, 'abort').length > 0)
          counts.leftoverListeners++;
        counts.ops++;
        if (counts.ops % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    };

    const started = performance.now();
    const heap: Record<string, number> = { start: heapAfterGc(gc) };
    const durations: Record<string, number> = {};
    const heapBeforeTimeouts: Record<string, number> = {};
    for (const [label, fraction] of [
      ['10%', 0.1],
      ['50%', 0.5],
      ['100%', 1],
    ] as const) {
      const until = Math.round(SOAK_OPS * fraction);
      await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i * 104_729 + issued + 1, until)));
      await store.drain();
      heapBeforeTimeouts[label] = heapAfterGc(gc);
      // The layers' deadline queues keep each settled call until the oldest deadline passed (one timer per
      // layer): memory bounded by throughput x timeout, released once the primary's 500 ms timeout elapsed.
      await sleep(600);
      heap[label] = heapAfterGc(gc);
      durations[label] = performance.now() - started;
    }
    const duration = performance.now() - started;

    // Nothing is pending once drain() resolved: no layer is called, no callback runs afterwards.
    const stats = store.stats();
    const callsAfterDrain = primary.calls;
    const callbacksAfterDrain = callbackCalls;
    await flush();
    const timersAfterDrain = await timersLeft(timersBefore);
    const stillPending = {
      primaryCalls: primary.calls - callsAfterDrain,
      callbacks: callbackCalls - callbacksAfterDrain,
    };

    console.log(
      [
        `soak: ${counts.ops} operations in ${(duration / 1000).toFixed(1)} s ` +
          `(${Math.round(counts.ops / (duration / 1000))} ops/s; ${WORKERS} workers, ${KEYS} keys)`,
        `heap after GC: start ${mb(heap.start)}, 10% ${mb(heap['10%'])}, 50% ${mb(heap['50%'])}, 100% ${mb(heap['100%'])}`,
        `heap after GC right after drain(), before the layer timeouts elapsed: ${Object.entries(
          heapBeforeTimeouts,
        )
          .map(([k, v]) => `${k} ${mb(v)}`)
          .join(', ')}`,
        `time at 10%/50%/100%: ${Object.values(durations)
          .map((d) => `${(d / 1000).toFixed(1)} s`)
          .join(' / ')}`,
        `reads ${counts.reads}, writes ${counts.writes}, with a signal ${counts.withSignal} (aborted ${counts.aborted}), ` +
          `other failures ${counts.failed}, abort listeners left ${counts.leftoverListeners}`,
        `backfill callbacks ${callbackCalls}, backFill$ events ${events} over ${subscriptions} subscriptions, contained ${JSON.stringify(Object.fromEntries(contained))}`,
        `stats ${JSON.stringify(stats)}`,
      ].join('\n'),
    );

    expect(counts.ops).toBe(SOAK_OPS);
    // Flat heap: what the warm-up built (full layers, the primary's keys) is all that stays.
    expect(heap['100%'] - heap['10%']).toBeLessThan(HEAP_SLACK);
    expect(heap['50%'] - heap['10%']).toBeLessThan(HEAP_SLACK);
    expect(stillPending).toEqual({ primaryCalls: 0, callbacks: 0 });
    // Aborts happened, and each rejected with the signal's reason; nothing else failed.
    expect(counts.aborted).toBeGreaterThan(SOAK_OPS / 100);
    expect(counts.failed).toBe(0);
    expect(counts.leftoverListeners).toBe(0);
    // The counters agree with what the callbacks and the subscription saw.
    const backFills = stats.layers.reduce((sum, layer) => sum + layer.backFills, 0);
    expect(backFills).toBeGreaterThan(SOAK_OPS / 100);
    expect(callbackCalls).toBe(backFills);
    expect(throwingCallbackCalls).toBe(backFills);
    expect(contained.get('callback')).toBe(Math.floor(backFills / 1000));
    expect([...contained.keys()]).toEqual(['callback']);
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(backFills); // some backfills happened while nobody subscribed
    expect(subscriptions).toBeGreaterThan(Math.floor(SOAK_OPS / 100_000) - 1);
    const [s0, s1, s2] = stats.layers;
    expect(stats.layers.map((layer) => layer.errors)).toEqual([0, 0, 0]);
    expect(s0.hits).toBeGreaterThan(0);
    // Each layer is read only for what the layer above it missed.
    expect(s1.hits + s1.misses).toBeLessThanOrEqual(s0.misses);
    expect(s2.hits + s2.misses).toBeLessThanOrEqual(s1.misses);
    expect(stats.loads).toBeLessThanOrEqual(s2.misses);
    expect(stats.loads).toBeGreaterThan(0);
    expect(s2.backFills).toBe(0); // the primary is never backfilled
    // No timer is left: the layer timeouts' timers stop once their last call settled.
    expect(timersAfterDrain).toBeLessThanOrEqual(timersBefore);
    await store.close();
    expect(await timersLeft(timersBefore)).toBeLessThanOrEqual(timersBefore);
  }, 120_000);

  it('bounds the backfill queue: with withMaxPendingBackFills(100) and held writes, at most 100 are pending', async () => {
    const cache = new TestStore<string>();
    const primary = new TestStore<string>();
    for (let i = 0; i < 1000; i++) primary.data.set(`k${i}`, `v${i}`);
    const held = gate();
    cache.gates.set = held.promise; // every backfill write waits
    let callbacks = 0;
    const store = new DelegatedStore<string, string>(
      [
        { store: cache, name: 'cache' },
        { store: primary, name: 'primary', primary: true },
      ],
      withMaxPendingBackFills(100),
      withBackFillCallback(() => void callbacks++),
    );

    const values = await Promise.all(Array.from({ length: 1000 }, (_, i) => store.get(`k${i}`)));
    // Every read is answered, whether its backfill was queued or dropped.
    expect(values).toEqual(Array.from({ length: 1000 }, (_, i) => `v${i}`));
    // A load's write to the cache goes through the same queue.
    expect(await store.getOrLoad('loaded', async () => 'L')).toBe('L');
    await flush();
    expect(cache.count('set')).toBe(100);
    expect(store.droppedBackFills).toBe(901);
    let drained = false;
    const draining = store.drain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false); // the 100 held writes are still pending

    held.open();
    await draining;
    expect(cache.data.size).toBe(100);
    expect(callbacks).toBe(100);
    const stats = store.stats();
    expect(stats.layers[0].backFills).toBe(100);
    expect(store.droppedBackFills).toBe(901);

    // Once the queue has room again, a read's backfill is taken: a dropped backfill is not lost for good.
    delete cache.gates.set;
    expect(await store.get('k999')).toBe('v999');
    await store.drain();
    expect(cache.data.get('k999')).toBe('v999');
    expect(store.droppedBackFills).toBe(901);
    await store.close();
  });

  // A regression test: while Redis refuses connections the client sits in ioredis's 'reconnecting' state,
  // where disconnect() never emits 'end'; close() used to wait out quit()'s full 1 s there, and timers
  // kept the process alive for seconds.
  it('RedisStore.close() while Redis is unreachable resolves at once and leaves no timer', async () => {
    const before = timers();
    const store = new RedisStore<string>({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'down' });
    await expect(store.get('k')).rejects.toThrow();
    await sleep(150); // the first reconnection attempt is under way
    const started = performance.now();
    await store.close();
    const took = performance.now() - started;
    // ioredis keeps a disconnectTimeout timer (200 ms in the fail-fast options) for the dead socket: it
    // must be gone well before the 2 s that a socketTimeout or connectTimeout timer would last.
    for (let waited = 0; waited < 1000 && timers() > before; waited += 50) await sleep(50);
    expect({ took: took < 100, timers: timers() - before }).toEqual({ took: true, timers: 0 });
    expect(['end', 'reconnecting', 'close']).toContain(store.client.status);
  });
});
