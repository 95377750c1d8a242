// Every contender behind one small interface, configured as its README recommends, with L1 capped at
// `l1Max` entries and the same ttls (L1 10 min, Redis 30 min: nothing expires during a run), except W7's
// expiring configurations (delegatedStoreExpiring, bentocacheGrace).
//
// { name, kind, get(key), set(key, value), getMany?(keys), manyInOrder, getOrLoad?(key, loader),
//   seedRedis(entries) (writes the Redis layer only, in the contender's own format), l1Hits?(), drain(), close() }
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Cacheable, CacheableMemory, createKeyv } from 'cacheable';
import KeyvRedis from '@keyv/redis';
import { Cluster, Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { Loader, RedisCache } from 'layered-loader';
import { LRUCache } from 'lru-cache';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as current from '../../dist/lib/index.js';
import { RedisStore } from '../../dist/lib/redis/index.js';

export const L1_TTL = 10 * 60_000;
export const L2_TTL = 30 * 60_000;

/** A value shaped like a small user record; `id` is its key, so every read can be checked. */
export function makeValue(key, version = 0) {
  return { id: key, name: `user ${key}`, email: `${key}@example.com`, roles: ['reader', 'writer'], version };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

async function inChunks(entries, size, write) {
  for (let i = 0; i < entries.length; i += size) await write(entries.slice(i, i + size));
}

const noopMiddleware = (next) => (ctx, key, value) => next(ctx, key, value);

/** The library as built now (dist/lib), and the build of another commit given by `--baseline <ref>`. */
const thisBuild = { ...current, RedisStore };
const baselineDir = process.env.BENCH_BASELINE;
const baselineBuild = baselineDir && {
  ...(await import(pathToFileURL(join(baselineDir, 'lib', 'index.js')).href)),
  RedisStore: (await import(pathToFileURL(join(baselineDir, 'lib', 'redis', 'index.js')).href)).RedisStore,
};
/** The baseline's contender name, e.g. `delegated-store (main)`; undefined without --baseline. */
export const BASELINE = baselineBuild ? `delegated-store (${process.env.BENCH_BASELINE_NAME})` : undefined;

/**
 * DelegatedStore over [MemoryStore, RedisStore]; `middlewares` no-op middlewares in its chain;
 * `redisOptions` for RedisStore's connection (e.g. to compare with ioredis's auto-pipelining);
 * `build`: the library to use (the baseline's for `delegatedStoreBaseline`); `l1Ttl`, `l2Ttl` the layers'
 * ttls, and `grace` (ms, on both layers) when given (W7: see delegatedStoreExpiring).
 */
export function delegatedStore({
  url,
  tag,
  l1Max = 10_000,
  l1Ttl = L1_TTL,
  l2Ttl = L2_TTL,
  grace,
  middlewares = 0,
  redisOptions,
  name = 'delegated-store',
  kind = 'contender',
  build = thisBuild,
  cluster,
  prefix = build === thisBuild ? `${tag}ds` : `${tag}dsb`,
}) {
  const { DelegatedStore, MemoryStore, RedisStore, withMiddlewares } = build;
  // `cluster`: the nodes of a Redis Cluster, used instead of `url`.
  const redis = new RedisStore(
    cluster ? { cluster: { nodes: cluster }, prefix } : { url, prefix, redisOptions },
  );
  const options = middlewares > 0 ? [withMiddlewares(...Array(middlewares).fill(noopMiddleware))] : [];
  const store = new DelegatedStore(
    [
      { store: new MemoryStore({ max: l1Max }), ttl: l1Ttl, grace, name: 'memory' },
      { store: redis, ttl: l2Ttl, grace, name: 'redis' },
    ],
    ...options,
  );
  return {
    name,
    kind,
    store,
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value),
    getMany: (keys) => store.getMany(keys),
    manyInOrder: true,
    getOrLoad: (key, loader) => store.getOrLoad(key, loader),
    seedRedis: (entries) =>
      inChunks(entries, 1000, (chunk) => redis.setMany(chunk.map((e) => ({ ...e, ttl: l2Ttl })))),
    l1Hits: () => store.stats().layers[0].hits,
    drain: () => store.drain(),
    close: () => store.close(),
  };
}

/**
 * layered-loader's Loader: in-memory lru-map + RedisCache (json), the README's basic example. `cluster`:
 * the nodes of a Redis Cluster, for an ioredis Cluster client instead of `url`.
 */
export function layeredLoader({
  url,
  tag,
  l1Max = 10_000,
  sync = false,
  cluster,
  prefix = `${tag}ll`,
  name,
}) {
  const client = cluster ? new Cluster(cluster) : new Redis(url);
  const asyncCache = new RedisCache(client, { json: true, ttlInMsecs: L2_TTL, prefix });
  let source; // the loader of the current getOrLoad: layered-loader takes its data source at construction
  const loader = new Loader({
    inMemoryCache: { cacheType: 'lru-map', ttlInMsecs: L1_TTL, maxItems: l1Max },
    asyncCache,
    dataSourceGetOneFn: async (key) => (source ? source(key) : undefined),
    dataSourceGetManyFn: async () => [],
    cacheKeyFromValueResolver: (value) => value.id,
  });
  return {
    name: name ?? (sync ? 'layered-loader (getInMemoryOnly)' : 'layered-loader'),
    kind: 'contender',
    // The README's "synchronous short-circuit" for hot paths: no promise when the value is in memory.
    get: sync
      ? (key) => {
          const value = loader.getInMemoryOnly(key);
          return value !== undefined ? value : loader.getAsyncOnly(key);
        }
      : (key) => loader.get(key),
    set: (key, value) => loader.forceSetValue(key, value),
    getMany: (keys) => loader.getMany(keys),
    manyInOrder: false, // it returns the values found in memory first, then those from Redis
    getOrLoad: (key, load) => {
      source = load;
      return loader.get(key);
    },
    // Its setMany is one MULTI, which a cluster refuses for keys of several slots: then one SET each.
    seedRedis: (entries) =>
      cluster && !prefix.startsWith('{')
        ? inChunks(entries, 200, (chunk) =>
            Promise.all(chunk.map(({ key, value }) => asyncCache.set(key, value))),
          )
        : inChunks(entries, 1000, (chunk) => asyncCache.setMany(chunk)),
    drain: settle,
    close: async () => {
      await asyncCache.close();
      client.disconnect();
    },
  };
}

/**
 * bentocache: a multi-tier store, memory driver (L1) + redis driver (L2), as in its docs. No bus.
 * `ttl`, and `grace` / `timeout` (its soft timeout) when given, as the cache's defaults (W7: see
 * bentocacheGrace).
 */
export function bentocache({
  url,
  tag,
  l1Max = 10_000,
  ttl = L2_TTL,
  grace,
  timeout,
  name = 'bentocache',
  prefix = `${tag}bc`,
}) {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port) };
  const l2 = () => redisDriver({ connection, prefix });
  const bento = new BentoCache({
    default: 'cache',
    ttl,
    ...(grace === undefined ? {} : { grace }),
    ...(timeout === undefined ? {} : { timeout }),
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: l1Max }))
        .useL2Layer(l2()),
    },
  });
  // Writes Redis alone, in bentocache's own entry format: an L2-only store on the same prefix.
  const writer = new BentoCache({
    default: 'l2',
    ttl: L2_TTL,
    stores: { l2: bentostore().useL2Layer(l2()) },
  });
  return {
    name,
    kind: 'contender',
    get: (key) => bento.get({ key }),
    set: (key, value) => bento.set({ key, value }),
    getMany: undefined, // no batch read in its API
    getOrLoad: (key, loader) => bento.getOrSet({ key, factory: () => loader(key) }),
    seedRedis: (entries) =>
      inChunks(entries, 200, (chunk) =>
        Promise.all(chunk.map(({ key, value }) => writer.set({ key, value }))),
      ),
    drain: settle,
    close: async () => {
      await bento.disconnect();
      await writer.disconnect();
    },
  };
}

/** cacheable: Cacheable with a CacheableMemory primary (lruSize) and a Keyv Redis secondary. */
export function cacheable({ url, tag, l1Max = 10_000 }) {
  const secondary = new Keyv({ store: new KeyvRedis(url), namespace: `${tag}cb`, ttl: L2_TTL });
  const cache = new Cacheable({ primary: createKeyv({ ttl: L1_TTL, lruSize: l1Max }), secondary });
  return {
    name: 'cacheable',
    kind: 'contender',
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getMany: (keys) => cache.getMany(keys),
    manyInOrder: true,
    getOrLoad: (key, loader) => cache.getOrSet(key, () => loader(key)),
    seedRedis: (entries) =>
      inChunks(entries, 200, (chunk) =>
        Promise.all(chunk.map(({ key, value }) => secondary.set(key, value))),
      ),
    drain: settle,
    close: () => cache.disconnect(),
  };
}

/** cache-manager 7: createCache with [Keyv(CacheableMemory), Keyv(KeyvRedis)], as in its README. */
export function cacheManager({ url, tag, l1Max = 10_000 }) {
  const redis = new Keyv({ store: new KeyvRedis(url), namespace: `${tag}cm` });
  const cache = createCache({
    ttl: L2_TTL,
    stores: [new Keyv({ store: new CacheableMemory({ ttl: L1_TTL, lruSize: l1Max }) }), redis],
  });
  return {
    name: 'cache-manager',
    kind: 'contender',
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getMany: (keys) => cache.mget(keys),
    manyInOrder: true,
    getOrLoad: (key, loader) => cache.wrap(key, () => loader(key)),
    seedRedis: (entries) =>
      inChunks(entries, 200, (chunk) =>
        Promise.all(chunk.map(({ key, value }) => redis.set(key, value, L2_TTL))),
      ),
    drain: settle,
    close: () => cache.disconnect(),
  };
}

/** Baseline: an async function around Map#get. */
export function asyncMap() {
  const map = new Map();
  return {
    name: 'async Map get',
    kind: 'baseline',
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, value),
    drain: settle,
    close: async () => map.clear(),
  };
}

/** Baseline: lru-cache read synchronously (no await); `ttl` as MemoryStore sets it up. */
export function lruSync({ l1Max = 10_000, ttl = false } = {}) {
  const lru = new LRUCache(
    ttl ? { max: l1Max, ttl: L1_TTL, ttlAutopurge: false, perf: Date } : { max: l1Max },
  );
  return {
    name: ttl ? 'lru-cache get, ttl (sync)' : 'lru-cache get (sync)',
    kind: 'baseline',
    sync: true,
    get: (key) => lru.get(key),
    set: async (key, value) => void lru.set(key, value),
    drain: settle,
    close: async () => lru.clear(),
  };
}

/** Baseline: ioredis GET + JSON.parse (and SET of JSON text). */
export function rawRedis({ url, tag }) {
  const client = new Redis(url);
  const name = (key) => `${tag}raw:${key}`;
  return {
    name: 'raw ioredis GET + JSON.parse',
    kind: 'baseline',
    client,
    get: async (key) => {
      const text = await client.get(name(key));
      return text === null ? undefined : JSON.parse(text);
    },
    getMany: async (keys) =>
      (await client.mget(keys.map(name))).map((text) => (text === null ? undefined : JSON.parse(text))),
    manyInOrder: true,
    set: async (key, value) => void (await client.set(name(key), JSON.stringify(value), 'PX', L2_TTL)),
    seedRedis: (entries) =>
      inChunks(entries, 1000, (chunk) => {
        const pipeline = client.pipeline();
        for (const { key, value } of chunk) pipeline.set(name(key), JSON.stringify(value), 'PX', L2_TTL);
        return pipeline.exec();
      }),
    drain: settle,
    close: async () => client.disconnect(),
  };
}

/** Baseline: what one would write by hand: lru-cache in front of ioredis, backfilled on a Redis hit. */
export function handRolled({ url, tag, l1Max = 10_000 }) {
  const client = new Redis(url);
  const lru = new LRUCache({ max: l1Max, ttl: L1_TTL });
  const name = (key) => `${tag}hr:${key}`;
  let l1Hits = 0;
  return {
    name: 'lru-cache + ioredis (hand-rolled)',
    kind: 'baseline',
    get: async (key) => {
      const cached = lru.get(key);
      if (cached !== undefined) {
        l1Hits++;
        return cached;
      }
      const text = await client.get(name(key));
      if (text === null) return undefined;
      const value = JSON.parse(text);
      lru.set(key, value);
      return value;
    },
    set: async (key, value) => {
      lru.set(key, value);
      await client.set(name(key), JSON.stringify(value), 'PX', L2_TTL);
    },
    seedRedis: (entries) =>
      inChunks(entries, 1000, (chunk) => {
        const pipeline = client.pipeline();
        for (const { key, value } of chunk) pipeline.set(name(key), JSON.stringify(value), 'PX', L2_TTL);
        return pipeline.exec();
      }),
    l1Hits: () => l1Hits,
    drain: settle,
    close: async () => client.disconnect(),
  };
}

/**
 * The same store from the build of another commit (`npm run bench -- --baseline <ref>`), to compare a
 * change with it in one run; `[]` without a baseline. Spread it into a workload's contender list.
 */
export function baselineContenders(options) {
  if (!baselineBuild) return [];
  return [() => delegatedStoreBaseline(options)];
}

export function delegatedStoreBaseline(options) {
  return delegatedStore({ ...options, name: BASELINE, kind: 'variant', build: baselineBuild });
}

/**
 * delegated-store with ioredis's auto-pipelining on (RedisStore leaves it off, and batches concurrent
 * reads into one MGET itself): a diagnostic variant, to see what ioredis's batching would change.
 */
export function delegatedStoreAutoPipelining(options) {
  return delegatedStore({
    ...options,
    redisOptions: { enableAutoPipelining: true },
    name: 'delegated-store (ioredis auto-pipelining on)',
    kind: 'variant',
  });
}

/**
 * W7: delegated-store whose two layers have the same short `ttl`, and a `grace` (ms) on both when it is
 * above 0 (stale-while-revalidate); with `grace: 0`, an expired key blocks its reader on the load.
 */
export function delegatedStoreExpiring(options, { ttl, grace, name, kind }) {
  return delegatedStore({
    ...options,
    l1Ttl: ttl,
    l2Ttl: ttl,
    grace: grace > 0 ? grace : undefined,
    name,
    kind,
  });
}

/**
 * W7: bentocache with the same `ttl` and `grace` as delegatedStoreExpiring, and a soft timeout of 0 (its
 * stale-while-revalidate: a graced value is returned at once and the factory runs in the background).
 * bentocache's `grace` is how long an entry is kept from its write (ttl included), so it gets ttl + grace.
 */
export function bentocacheGrace(options, { ttl, grace }) {
  return bentocache({
    ...options,
    ttl,
    grace: ttl + grace,
    timeout: 0,
    name: 'bentocache (grace, timeout 0)',
    prefix: `${options.tag}bcg`,
  });
}
