// What one getOrLoad costs on a store with grace: a fresh L1 hit, the stale read that starts the key's
// refresh, and a stale read that joins it; on [MemoryStore, RedisStore], on the same with Redis's reads
// started from the next event-loop turn (what a refresh started outside the reader's turn would cost),
// and on a MemoryStore alone. Each call starts from its own setImmediate, as in W7; p50 and p90 in µs.
//
//   node bench/stale-read-cost.mjs [--rounds 5]     (a scratch Redis, or REDIS_URL)
import { parseArgs } from 'node:util';
import { DelegatedStore, MemoryStore } from '../dist/lib/index.js';
import { RedisStore } from '../dist/lib/redis/index.js';
import { startScratchRedis } from './lib/redis.mjs';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const ROUNDS = Number(args.rounds);
const KEYS = 1000;
const TTL = 300;
const GRACE = 5000;
const scratch = process.env.REDIS_URL ? undefined : await startScratchRedis();
const url = process.env.REDIS_URL ?? scratch.url;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise((resolve) => setImmediate(resolve));
const loader = async (key) => {
  await sleep(5);
  return { id: key };
};

/** A RedisStore whose getWithExpiry starts from the next macrotask. */
function deferredReads(store) {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'getWithExpiry') {
        return (key) => turn().then(() => target.getWithExpiry(key));
      }
      const value = target[property];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const stacks = {
  '[memory, redis]': (prefix) => [new RedisStore({ url, prefix })],
  '[memory, redis with deferred reads]': (prefix) => [deferredReads(new RedisStore({ url, prefix }))],
  '[memory]': () => [],
};

/** The calls' times (ms) when reading every key once, each call from its own turn. */
async function readAll(store, keys) {
  const times = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    await turn();
    const start = performance.now();
    const value = await store.getOrLoad(keys[i], loader);
    times[i] = performance.now() - start;
    if (value?.id !== keys[i]) throw new Error(`getOrLoad(${keys[i]}) returned ${JSON.stringify(value)}`);
  }
  return times.sort();
}

const at = (sorted, q) => sorted[Math.floor((sorted.length - 1) * q)] * 1000;
const results = new Map();
for (let round = -1; round < ROUNDS; round++) {
  for (const [name, lower] of Object.entries(stacks)) {
    const prefix = `stale-cost-${process.pid}-${round}-${name.length}`;
    const store = new DelegatedStore([
      { store: new MemoryStore({ max: 2 * KEYS }), ttl: TTL, grace: GRACE, name: 'memory' },
      ...lower(prefix).map((redis) => ({ store: redis, ttl: TTL, grace: GRACE, name: 'redis' })),
    ]);
    const keys = Array.from({ length: KEYS }, (_, i) => `${prefix}-${i}`);
    await Promise.all(keys.map((key) => store.getOrLoad(key, loader)));
    await store.drain();
    const fresh = await readAll(store, keys);
    await sleep(TTL + 20);
    const starts = await readAll(store, keys); // each starts its key's refresh
    const joins = await readAll(store, keys); // the refreshes are still in flight (or just landed)
    await store.drain();
    for (const key of keys) await store.delete(key);
    await store.close();
    if (round < 0) continue; // warm-up
    const rows = results.get(name) ?? [];
    rows.push({ fresh, starts, joins });
    results.set(name, rows);
  }
}
scratch?.stop();

const cell = (rows, part, q) => {
  const values = rows.map((row) => at(row[part], q)).sort((a, b) => a - b);
  const low = values[0].toFixed(1);
  const high = values[values.length - 1].toFixed(1);
  return low === high ? low : `${low} – ${high}`;
};
console.log(`getOrLoad, µs per call (range over ${ROUNDS} rounds of ${KEYS} keys)`);
console.log('| layers | call | p50 | p90 |\n|---|---|---:|---:|');
for (const [name, rows] of results) {
  for (const [part, label] of [
    ['fresh', 'fresh L1 hit'],
    ['starts', 'stale, starts the refresh'],
    ['joins', 'the next read (joins the refresh, or finds its value)'],
  ]) {
    console.log(`| ${name} | ${label} | ${cell(rows, part, 0.5)} | ${cell(rows, part, 0.9)} |`);
  }
}
