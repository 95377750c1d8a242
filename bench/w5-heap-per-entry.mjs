// W5: heap per L1 entry. A fresh instance of each contender, built with an L1 of n entries, is filled
// through its public `set` with n keys that all share one value object; the cost per entry is the memory
// growth (after full GCs: the heap, plus ArrayBuffer memory, where typed arrays keep their elements)
// divided by n. Key strings exist before the first reading and the value is shared,
// so neither is counted unless the contender copies them. The growth includes the contender's fixed cost
// (clients, a few tens of KB: < 1 B per entry at 100k) and arrays it sizes by its max. Measured at 100k and
// at 10k entries: per-entry costs differ with n, as a Map's table doubles. Needs --expose-gc.
import * as contenders from './lib/contenders.mjs';
import { MemoryStore } from '../dist/lib/index.js';
import {
  baselineTargets,
  benchEnv,
  check,
  ratioTarget,
  roundsFor,
  runWorkload,
  size,
  sleep,
} from './lib/workload.mjs';
import { deleteTagged } from './lib/redis.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('W5 measures the heap: run it with node --expose-gc');
  process.exit(2);
}

const env = await benchEnv();
const N = size(env, 100_000, 20_000);
const SMALL = 10_000;
const keys = Array.from({ length: N }, (_, i) => `${env.tag}-w5-${i}`);
const shared = contenders.makeValue('shared');
const options = { url: env.url, tag: env.tag };

/**
 * Memory used once it is stable (closed sockets and timers release their objects a little later): the
 * heap, plus the ArrayBuffers' memory, which lives outside the heap (a typed array's backing store: an
 * LRU's link arrays, lru-cache's and MemoryStore's alike).
 */
async function heapUsed() {
  let last = Infinity;
  for (let i = 0; i < 20; i++) {
    globalThis.gc();
    await sleep(i < 2 ? 5 : 25);
    const { heapUsed: heap, arrayBuffers } = process.memoryUsage();
    const used = heap + arrayBuffers;
    if (Math.abs(used - last) < 512) return used;
    last = used;
  }
  return last;
}

/** MemoryStore alone, to tell the store's own cost from the layer bookkeeping around it. */
function memoryStore({ l1Max }) {
  const store = new MemoryStore({ max: l1Max });
  return {
    name: 'MemoryStore alone',
    kind: 'baseline',
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value, contenders.L1_TTL),
    drain: () => sleep(1),
    close: () => store.close(),
  };
}

function map() {
  const entries = new Map();
  return {
    name: 'Map',
    kind: 'baseline',
    get: async (key) => entries.get(key),
    set: async (key, value) => void entries.set(key, value),
    drain: () => sleep(1),
    close: async () => entries.clear(),
  };
}

/** A W5 contender: a name, and how to build a fresh instance with an L1 of `l1Max` entries. */
function entry(build) {
  const probe = build({ ...options, l1Max: 1 }); // for its name
  return () => ({
    name: probe.name,
    kind: probe.kind,
    build: (l1Max) => build({ ...options, l1Max }),
    close: () => probe.close(),
  });
}

/** Heap growth of a fresh instance filled with `count` entries (L1 sized to `count`), in bytes. */
async function fill(contender, count, admin) {
  const before = await heapUsed();
  let instance = contender.build(count);
  for (let i = 0; i < count; i += 1000) {
    await Promise.all(keys.slice(i, Math.min(i + 1000, count)).map((key) => instance.set(key, shared)));
  }
  await instance.drain();
  const after = await heapUsed();
  for (const key of [keys[0], keys[count - 1]]) {
    const value = await instance.get(key);
    check(
      value?.id === 'shared',
      contender.name,
      `get(${key}) after the fill returned ${JSON.stringify(value)}`,
    );
  }
  await instance.close();
  instance = undefined;
  await sleep(50);
  if (env.scratch) await admin.flushall();
  else await deleteTagged(admin, env.tag);
  return after - before;
}

await runWorkload(env, {
  id: 'W5',
  title: `heap per L1 entry, ${N / 1000}k entries (value not counted)`,
  unit: 'B/entry',
  better: 'lower',
  rounds: roundsFor(env, 3, 1), // heap readings vary little; fills are slow
  warmup: env.quick ? 0 : 1, // a quick run takes one reading: a smoke test
  extraLabels: { perEntryAtSmall: `B/entry at ${SMALL / 1000}k` },
  contenders: [
    entry(contenders.delegatedStore),
    ...(contenders.BASELINE ? [entry(contenders.delegatedStoreBaseline)] : []),
    entry(contenders.layeredLoader),
    entry(contenders.bentocache),
    entry(contenders.cacheable),
    entry(contenders.cacheManager),
    entry(memoryStore),
    entry((o) => contenders.lruSync(o)),
    entry((o) => contenders.lruSync({ ...o, ttl: true })),
    entry(() => map()),
  ],
  async run(contender, _round, { admin }) {
    const small = await fill(contender, SMALL, admin);
    const full = await fill(contender, N, admin);
    return { value: full / N, perEntryAtSmall: small / SMALL };
  },
  targets: (byName) => {
    const ds = byName['delegated-store'];
    return [
      {
        text: `delegated-store ≤ 80 B per L1 entry (${N / 1000}k entries)`,
        pass: ds ? ds.median <= 80 : undefined,
        detail: ds ? `${ds.median.toFixed(0)} B` : 'not run',
      },
      ratioTarget(
        'delegated-store heap per entry against layered-loader',
        byName,
        'delegated-store',
        'layered-loader',
        1,
        {
          info: true,
        },
      ),
      ...baselineTargets(byName, contenders.BASELINE),
    ];
  },
  notes: [
    `Heap growth / n of a fresh instance (L1 max n) filled with n entries through its public set (Redis written too), one shared value object; n = ${N / 1000}k, and ${SMALL / 1000}k in the last column.`,
    'bentocache serializes L1 values by default, and CacheableMemory clones them (useClones): the copies are counted.',
  ],
});
