// Where a read from Redis spends its time: the loop of W2 (sequential first reads, `get`) or of W6
// (`getMany` of 100 fresh keys, with --many) through successively more of the stack, from a raw ioredis
// call to the whole DelegatedStore, and layered-loader for reference. Every step runs in every round, in
// alternating order; the table gives the wall time and the CPU time of this process per read (per batch
// with --many), median and middle half of the rounds. The CPU time leaves out the waits for Redis and for
// a core, so on a busy machine it is the figure to compare; the difference between two steps is the cost
// of what the second one adds.
//
//   node bench/breakdown.mjs [--many] [--rounds 25] [--only 'RedisStore,DelegatedStore']
//   BENCH_PROFILE=/tmp/prof node bench/breakdown.mjs --only DelegatedStore   (profiles of the loops)
import { Redis } from 'ioredis';
import { Loader, RedisCache } from 'layered-loader';
import { LRUCache } from 'lru-cache';
import { parseArgs } from 'node:util';
import { DelegatedStore, MemoryStore } from '../dist/lib/index.js';
import { RedisStore } from '../dist/lib/redis/index.js';
import { decodeEntry } from '../dist/lib/redis/json-codec.js';
import { L1_TTL, L2_TTL, makeValue } from './lib/contenders.mjs';
import { profiled } from './lib/profiler.mjs';
import { startScratchRedis } from './lib/redis.mjs';
import { formatNumber, summarize } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    many: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '25' },
    only: { type: 'string' },
  },
});
const BATCH = 100;
const ROUNDS = Number(args.rounds);
const READS = args.many ? 100 : 2000; // reads (or batches) per round
const only = args.only?.split(',').map((name) => name.trim());

const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop() {} } : await startScratchRedis();
const url = redis.url;
const tag = `bd${process.pid}`;

/** A step: `read(key)` or `readMany(keys)`; `format` is how its Redis layer stores a value. */
const steps = [
  {
    name: 'raw ioredis + JSON.parse',
    format: 'json',
    make() {
      const client = new Redis(url);
      return {
        read: async (key) => JSON.parse(await client.get(key)),
        readMany: async (keys) => (await client.mget(keys)).map((text) => JSON.parse(text)),
        close: () => client.disconnect(),
      };
    },
  },
  {
    name: 'raw ioredis + decodeEntry (the ttl envelope)',
    format: 'envelope',
    make() {
      const client = new Redis(url);
      return {
        read: async (key) => decodeEntry(await client.get(key)).value,
        readMany: async (keys) => (await client.mget(keys)).map((text) => decodeEntry(text).value),
        close: () => client.disconnect(),
      };
    },
  },
  {
    name: 'raw ioredis + decodeEntry + lru-cache set',
    format: 'envelope',
    make() {
      const client = new Redis(url);
      const lru = new LRUCache({ max: 10_000, ttl: L1_TTL, ttlAutopurge: false, perf: Date });
      const keep = (key, text) => {
        const { value } = decodeEntry(text);
        lru.set(key, value, { ttl: L1_TTL });
        return value;
      };
      return {
        read: async (key) => keep(key, await client.get(key)),
        readMany: async (keys) => (await client.mget(keys)).map((text, i) => keep(keys[i], text)),
        close: () => client.disconnect(),
      };
    },
  },
  {
    name: 'RedisStore.getWithExpiry',
    format: 'envelope',
    make() {
      const store = new RedisStore({ url });
      return {
        read: async (key) => (await store.getWithExpiry(key)).value,
        readMany: async (keys) => (await store.getManyWithExpiry(keys)).map((entry) => entry.value),
        close: () => store.close(),
      };
    },
  },
  {
    name: 'DelegatedStore [MemoryStore, RedisStore]',
    format: 'envelope',
    make() {
      const store = new DelegatedStore([
        { store: new MemoryStore({ max: 10_000 }), ttl: L1_TTL, name: 'memory' },
        { store: new RedisStore({ url }), ttl: L2_TTL, name: 'redis' },
      ]);
      return {
        read: (key) => store.get(key),
        readMany: (keys) => store.getMany(keys),
        close: () => store.close(),
      };
    },
  },
  {
    name: 'layered-loader',
    format: 'json',
    unordered: true,
    make() {
      const client = new Redis(url);
      // prefix + separator '' : it reads the keys as given, like the other steps.
      const cache = new RedisCache(client, { json: true, ttlInMsecs: L2_TTL, prefix: '', separator: '' });
      const loader = new Loader({
        inMemoryCache: { cacheType: 'lru-map', ttlInMsecs: L1_TTL, maxItems: 10_000 },
        asyncCache: cache,
        dataSourceGetOneFn: async () => undefined,
        dataSourceGetManyFn: async () => [],
        cacheKeyFromValueResolver: (value) => value.id,
      });
      return {
        read: (key) => loader.get(key),
        readMany: (keys) => loader.getMany(keys),
        close: () => client.disconnect(),
      };
    },
  },
].filter((step) => only === undefined || only.some((name) => step.name.includes(name)));

/** The measured loops, compiled once per step (see freshCopy in lib/workload.mjs). */
function loopOf(many) {
  const source = many
    ? `async (readMany, batches, unordered) => {
        for (const keys of batches) {
          const values = await readMany(keys);
          if (values.length !== keys.length || (!unordered && values[0].id !== keys[0])) throw new Error('wrong values');
        }
      }`
    : `async (read, keys) => {
        for (const key of keys) if ((await read(key)).id !== key) throw new Error('wrong value');
      }`;
  return new Function(`return ${source};`)();
}

const seeder = new Redis(url);
async function seed(keys, format) {
  const expiresAt = Date.now() + L2_TTL;
  for (let i = 0; i < keys.length; i += 1000) {
    const pipeline = seeder.pipeline();
    for (const key of keys.slice(i, i + 1000)) {
      const text = JSON.stringify(makeValue(key));
      pipeline.set(key, format === 'envelope' ? `~${expiresAt}~${text}` : text, 'PX', L2_TTL);
    }
    await pipeline.exec();
  }
}

for (const step of steps) {
  step.impl = step.make();
  step.loop = loopOf(args.many);
  step.wall = [];
  step.cpu = [];
}
let n = 0;
const fresh = () => `${tag}:${n++}`;
for (let round = -2; round < ROUNDS; round++) {
  for (const step of round % 2 === 0 ? steps : [...steps].reverse()) {
    const keys = args.many
      ? Array.from({ length: READS }, () => Array.from({ length: BATCH }, fresh))
      : Array.from({ length: READS }, fresh);
    await seed(keys.flat(), step.format);
    const run = () =>
      args.many
        ? step.loop(step.impl.readMany, keys, step.unordered === true)
        : step.loop(step.impl.read, keys);
    const cpu = process.cpuUsage();
    const start = performance.now();
    await (round >= 0 ? profiled(run) : run());
    const wall = performance.now() - start;
    const { user, system } = process.cpuUsage(cpu);
    if (round >= 0) {
      step.wall.push((wall * 1000) / READS);
      step.cpu.push((user + system) / READS);
    }
    await seeder.unlink(...keys.flat());
  }
}

const unit = args.many ? `µs per batch of ${BATCH}` : 'µs per read';
console.log(`${unit}, ${ROUNDS} rounds of ${READS}: median (middle half)`);
const cell = (samples) => {
  const { median, q1, q3 } = summarize(samples);
  return `${formatNumber(median)} (${formatNumber(q1)} – ${formatNumber(q3)})`;
};
const width = Math.max(...steps.map((step) => step.name.length));
console.log(`  ${'step'.padEnd(width)}  ${'wall'.padStart(22)}  ${'CPU'.padStart(22)}`);
for (const step of steps) {
  console.log(
    `  ${step.name.padEnd(width)}  ${cell(step.wall).padStart(22)}  ${cell(step.cpu).padStart(22)}`,
  );
}
for (const step of steps) await step.impl.close();
seeder.disconnect();
redis.stop();
process.exit(0);
