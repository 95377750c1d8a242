import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { ConfigurationError } from '../../lib/index.js';
import { RedisStore, type RedisStoreOptions } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { PasswordProtectedRedis, ScratchRedis } from '../support/redis-server.js';
import {
  connectedCluster,
  deleteMatching,
  describeWithCluster,
  releaseTestCluster,
  testClusterNodes,
} from '../support/redis-cluster.js';
import { storeContract } from '../stores/store-contract.js';

/** Calls per command since the last CONFIG RESETSTAT, from INFO commandstats. */
async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
  return calls;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of iterable) found.push(item);
  return found;
}

/** Where a suite runs: how to reach that Redis, and a client of its own to look at what the store wrote. */
interface Target {
  name: string;
  describe: (name: string, fn: () => void) => void;
  connect(): Promise<{ options: RedisStoreOptions; client(): Promise<Redis | Cluster> }>;
}

const targets: Target[] = [
  {
    name: 'a single Redis',
    describe: describeWithRedis,
    connect: async () => ({ options: { url: REDIS_URL }, client: async () => new Redis(REDIS_URL) }),
  },
  {
    name: 'a Redis Cluster',
    describe: describeWithCluster,
    connect: async () => {
      const nodes = await testClusterNodes();
      return { options: { cluster: { nodes } }, client: () => connectedCluster(nodes) };
    },
  },
];

afterAll(() => releaseTestCluster());

for (const target of targets) {
  target.describe(`RedisStore on ${target.name}`, () => {
    storeContract(
      `RedisStore on ${target.name}`,
      async () => {
        const { options } = await target.connect();
        const store = new RedisStore<unknown>({ ...options, prefix: `contract-${randomUUID()}` });
        return { store, cleanup: () => store.close() };
      },
      { requireBatch: true, requireExpiry: true, require: ['has', 'getSet', 'clear', 'keys'] },
    );

    let raw: Redis | Cluster;
    let reach: RedisStoreOptions;
    let newClient: () => Promise<Redis | Cluster>;
    let prefix: string;
    const stores: RedisStore<unknown>[] = [];
    const open = (name = prefix) => {
      const store = new RedisStore<unknown>({ ...reach, prefix: name });
      stores.push(store);
      return store;
    };

    beforeAll(async () => {
      const connection = await target.connect();
      reach = connection.options;
      newClient = connection.client;
      raw = await newClient();
      prefix = `redis-store-${randomUUID()}`;
    });
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await deleteMatching(raw, `${prefix}*`);
      await raw.quit();
    });

    describe('keys and prefixes', () => {
      it('stores a key as <prefix>:<key>, so two prefixes on one Redis never see each other', async () => {
        const a = open(`${prefix}-a`);
        const b = open(`${prefix}-b`);
        await a.set('user:1', 'from a');
        await b.set('user:1', 'from b');
        expect(await a.get('user:1')).toBe('from a');
        expect(await b.get('user:1')).toBe('from b');
        expect(await raw.get(`${prefix}-a:user:1`)).toBe('"from a"');
        await a.delete('user:1');
        expect(await a.get('user:1')).toBeUndefined();
        expect(await b.get('user:1')).toBe('from b');
        expect(await b.getMany(['user:1'])).toEqual(['from b']);
        await b.deleteMany(['user:1']);
      });

      it('accepts the empty string as a key and rejects keys that are not strings', async () => {
        const store = open();
        await store.set('', 'empty key');
        expect(await store.get('')).toBe('empty key');
        await store.delete('');
        await expect(store.get(42 as unknown as string)).rejects.toThrow(/keys must be strings, got number/);
        await expect(store.set(null as unknown as string, 1)).rejects.toThrow(TypeError);
        await expect(store.getMany(['a', 1 as unknown as string])).rejects.toThrow(TypeError);
        await expect(store.has(7 as unknown as string)).rejects.toThrow(
          /RedisStore.has: keys must be strings/,
        );
        await expect(store.getSet(7 as unknown as string, 1)).rejects.toThrow(TypeError);
      });

      it('batches spread over many hash slots: getMany, setMany and deleteMany of 300 keys', async () => {
        const store = open();
        const keys = Array.from({ length: 300 }, (_, i) => `spread:${i}`);
        await store.setMany(keys.map((key, i) => ({ key, value: i, ttl: i % 2 === 0 ? 60_000 : undefined })));
        expect(await store.getMany(keys)).toEqual(keys.map((_, i) => i));
        const entries = await store.getManyWithExpiry([...keys].reverse());
        expect(entries.map((entry) => entry?.value)).toEqual(keys.map((_, i) => 299 - i));
        expect(entries.filter((entry) => entry?.expiresAt !== undefined)).toHaveLength(150);
        // Concurrent single reads are batched too.
        expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys.map((_, i) => i));
        await store.deleteMany(keys.slice(0, 200));
        expect(await store.getMany(keys)).toEqual(keys.map((_, i) => (i < 200 ? undefined : i)));
        await store.deleteMany(keys);
      });
    });

    describe('values', () => {
      it('keeps a value without ttl as plain JSON, and carries the expiry of one with a ttl', async () => {
        const store = open();
        await store.set('plain', { a: [1, null] });
        expect(await raw.get(`${prefix}:plain`)).toBe('{"a":[1,null]}');
        const before = Date.now();
        await store.set('timed', 'T', 60_000);
        expect(await raw.pttl(`${prefix}:timed`)).toBeGreaterThan(59_000);
        const entry = await store.getWithExpiry('timed');
        expect(entry?.value).toBe('T');
        expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
        expect(entry?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
        expect(await store.get('timed')).toBe('T');
      });

      it('a text in Redis that is not JSON rejects the reads of that key only, alone or batched', async () => {
        const store = open();
        await store.set('good', { ok: 1 }, 60_000);
        await raw.set(`${prefix}:not-json`, '{not json');
        await raw.set(`${prefix}:not-json-enveloped`, `~${Date.now() + 60_000}~{not json`);
        const failure = (reason: unknown) => (reason as Error)?.name;
        expect(failure(await store.get('not-json').catch((e: unknown) => e))).toBe('SyntaxError');
        expect(failure(await store.getWithExpiry('not-json-enveloped').catch((e: unknown) => e))).toBe(
          'SyntaxError',
        );
        // Issued in one turn: one MGET (per slot), each read decoded on its own, get and getWithExpiry mixed.
        const [good, entry, bad, badEntry] = await Promise.allSettled([
          store.get('good'),
          store.getWithExpiry('good'),
          store.get('not-json'),
          store.getWithExpiry('not-json-enveloped'),
        ]);
        expect(good).toEqual({ status: 'fulfilled', value: { ok: 1 } });
        expect(entry).toEqual({
          status: 'fulfilled',
          value: { value: { ok: 1 }, expiresAt: expect.any(Number) },
        });
        expect(bad.status === 'rejected' && failure(bad.reason)).toBe('SyntaxError');
        expect(badEntry.status === 'rejected' && failure(badEntry.reason)).toBe('SyntaxError');
        expect(failure(await store.getMany(['good', 'not-json']).catch((e: unknown) => e))).toBe(
          'SyntaxError',
        );
        expect(await store.getManyWithExpiry(['good', 'missing'])).toEqual([
          { value: { ok: 1 }, expiresAt: expect.any(Number) },
          undefined,
        ]);
      });

      it('reads a string that looks like the expiry envelope back unchanged', async () => {
        const store = open();
        await store.set('tilde', '~123~"x"', 60_000);
        expect(await store.get('tilde')).toBe('~123~"x"');
        await store.set('tilde', '~123~"x"');
        expect(await store.get('tilde')).toBe('~123~"x"');
      });

      it('rounds a fractional ttl up to whole milliseconds and rejects a bad ttl', async () => {
        const store = open();
        await store.set('half', 'H', 0.5);
        await expect(store.set('bad', 'B', 0)).rejects.toThrow(/ttl must be a finite number/);
        await expect(store.set('bad', 'B', Number.NaN)).rejects.toThrow(TypeError);
        await expect(store.set('bad', 'B', '60000' as unknown as number)).rejects.toThrow(
          /got "60000" \(string\)/,
        );
        expect(await raw.exists(`${prefix}:bad`)).toBe(0);
      });

      it.each([
        ['a BigInt', { n: 1n }, /a BigInt at \$\.n/],
        ['a function', { f: () => 1 }, /a function at \$\.f/],
        ['a symbol', { s: Symbol('s') }, /a symbol/],
        ['NaN', { n: Number.NaN }, /the number NaN at \$\.n/],
        ['Infinity', [Number.POSITIVE_INFINITY], /the number Infinity at \$\[0\]/],
        ['a Map', { m: new Map([[1, 2]]) }, /a Map at \$\.m/],
        ['a Set', new Set([1]), /a Set/],
        ['a __proto__ key', JSON.parse('{"a": {"__proto__": {"x": 1}}}'), /property named "__proto__"/],
        ['a constructor key', [{ constructor: 'x' }], /property named "constructor".*rename it/],
        ['undefined', undefined, /must not be undefined/],
      ])('rejects %s with a TypeError and writes nothing', async (_name, value, message) => {
        const store = open();
        const key = `bad-${randomUUID()}`;
        await expect(store.set(key, value)).rejects.toThrow(TypeError);
        await expect(store.set(key, value)).rejects.toThrow(message);
        await expect(store.getSet(key, value)).rejects.toThrow(message);
        await expect(
          store.setMany([
            { key: 'ok', value: 1 },
            { key, value },
          ]),
        ).rejects.toThrow(message);
        expect(await raw.exists(`${prefix}:${key}`)).toBe(0);
        expect(await raw.exists(`${prefix}:ok`)).toBe(0);
      });

      it('stores what has a JSON form as that form, like every serialising store of the library', async () => {
        const store = open();
        await store.set('date', { at: new Date(0), list: ['constructor', 'prototype'] });
        expect(await store.get('date')).toEqual({
          at: '1970-01-01T00:00:00.000Z',
          list: ['constructor', 'prototype'],
        });
      });

      it('rejects a cycle with a TypeError', async () => {
        const value: Record<string, unknown> = { a: 1 };
        value.self = value;
        await expect(open().set('cycle', value)).rejects.toThrow(/a cycle/);
      });

      it('accepts undefined object properties: JSON omits them', async () => {
        const store = open();
        await store.set('optional', { a: 1, b: undefined });
        expect(await store.get('optional')).toEqual({ a: 1 });
      });
    });

    describe('prototype pollution', () => {
      const payloads = [
        '{"ok":1,"__proto__":{"polluted":"yes"}}',
        '{"ok":1,"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"ok":1,"\\u005f_proto__":{"polluted":"yes"}}',
        '{"ok":1,"nested":[{"__proto__":{"polluted":"yes"},"keep":true}]}',
        '~99999999999999~{"ok":1,"__proto__":{"polluted":"yes"}}',
      ];

      it.each(payloads)('drops the dangerous keys of %s', async (payload) => {
        const store = open();
        const key = `pollution-${randomUUID()}`;
        await raw.set(`${prefix}:${key}`, payload);
        for (const value of [
          await store.get(key),
          (await store.getWithExpiry(key))?.value,
          (await store.getMany([key]))[0],
          (await store.getManyWithExpiry([key]))[0]?.value,
          await store.getSet(key, 'replaced'),
        ]) {
          const read = value as Record<string, unknown>;
          expect(read.ok).toBe(1);
          expect(Object.keys(read)).not.toContain('__proto__');
          expect(Object.keys(read)).not.toContain('constructor');
          expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
          if (Array.isArray(read.nested)) {
            expect(read.nested).toEqual([{ keep: true }]);
            expect(Object.keys(read.nested[0] as object)).toEqual(['keep']);
          }
          // What a naive deep merge would do with the value must not reach Object.prototype.
          naiveMerge({}, read);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }
      });
    });

    describe('has', () => {
      it('is true for a live entry (null included), false for a missing, deleted or expired one', async () => {
        const store = open();
        await store.set('value', { a: 1 });
        await store.set('null', null);
        await store.set('short', 'S', 50);
        await store.set('gone', 'G');
        await store.delete('gone');
        expect(await store.has('value')).toBe(true);
        expect(await store.has('null')).toBe(true);
        expect(await store.has('gone')).toBe(false);
        expect(await store.has('never')).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 120));
        expect(await store.has('short')).toBe(false);
      });

      it('sees only its own prefix', async () => {
        await open(`${prefix}-has-a`).set('k', 1);
        expect(await open(`${prefix}-has-b`).has('k')).toBe(false);
      });
    });

    describe('getSet', () => {
      it('resolves the value it replaced (undefined for none) and writes the new one', async () => {
        const store = open();
        expect(await store.getSet('swap', 'first')).toBeUndefined();
        expect(await store.get('swap')).toBe('first');
        expect(await store.getSet('swap', { second: [2] })).toBe('first');
        expect(await store.getSet('swap', null)).toEqual({ second: [2] });
        expect(await store.getSet('swap', 'last')).toBeNull();
        expect(await store.get('swap')).toBe('last');
      });

      it('keeps the ttl rules: a ttl sets the expiry (and the envelope), none removes it', async () => {
        const store = open();
        await store.set('ttl', 'plain');
        const before = Date.now();
        expect(await store.getSet('ttl', 'timed', 60_000)).toBe('plain');
        expect(await raw.pttl(`${prefix}:ttl`)).toBeGreaterThan(59_000);
        const entry = await store.getWithExpiry('ttl');
        expect(entry?.value).toBe('timed');
        expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
        // The old value came out of its envelope; the new one, without ttl, is plain JSON and never expires.
        expect(await store.getSet('ttl', 'forever')).toBe('timed');
        expect(await raw.pttl(`${prefix}:ttl`)).toBe(-1);
        expect(await raw.get(`${prefix}:ttl`)).toBe('"forever"');
        expect(await store.getWithExpiry('ttl')).toEqual({ value: 'forever' });
        await store.getSet('ttl', 'short', 50);
        await new Promise((resolve) => setTimeout(resolve, 120));
        expect(await store.getSet('ttl', 'after expiry')).toBeUndefined();
      });

      it('on a Redis without SET … GET (before 6.2) swaps by a script, with the same ttl rules', async () => {
        // A client of the store's own whose server refuses SET … GET as Redis 6.0 does; the rest is real.
        const client = await newClient();
        const setGets: unknown[][] = [];
        let scripts = 0;
        const set = client.set.bind(client) as (...args: unknown[]) => Promise<unknown>;
        const evalScript = client.eval.bind(client) as (...args: unknown[]) => Promise<unknown>;
        client.set = ((...args: unknown[]) => {
          if (args.at(-1) !== 'GET') return set(...args);
          setGets.push(args);
          return Promise.reject(new Error('ERR syntax error'));
        }) as typeof client.set;
        client.eval = ((...args: unknown[]) => (scripts++, evalScript(...args))) as typeof client.eval;
        const store = new RedisStore<unknown>({ client, prefix });
        try {
          await store.set('old-redis', 'plain');
          const before = Date.now();
          expect(await store.getSet('old-redis', 'timed', 60_000)).toBe('plain');
          expect([setGets.length, scripts]).toEqual([1, 1]); // refused once, then the script
          expect(await raw.pttl(`${prefix}:old-redis`)).toBeGreaterThan(59_000);
          const entry = await store.getWithExpiry('old-redis');
          expect(entry?.value).toBe('timed');
          expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
          // Without ttl: plain JSON that never expires. The store no longer tries SET … GET.
          expect(await store.getSet('old-redis', 'forever')).toBe('timed');
          expect([setGets.length, scripts]).toEqual([1, 2]);
          expect(await raw.pttl(`${prefix}:old-redis`)).toBe(-1);
          expect(await raw.get(`${prefix}:old-redis`)).toBe('"forever"');
          expect(await store.getSet('old-redis-none', 'first')).toBeUndefined();
          expect(await store.get('old-redis-none')).toBe('first');
        } finally {
          await store.close();
          await client.quit();
        }
      });

      it('is atomic: concurrent swaps from two connections each see one distinct earlier value', async () => {
        const first = open();
        const second = open();
        await first.set('race', 'initial');
        const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
        const olds = await Promise.all(
          values.map((value, i) => (i % 2 === 0 ? first : second).getSet('race', value)),
        );
        const last = (await first.get('race')) as string;
        // Every value written but the last was replaced exactly once, and the initial value too.
        expect([...olds].sort()).toEqual(['initial', ...values.filter((value) => value !== last)].sort());
      });
    });

    describe('clear and keys', () => {
      it('keys() lists every key of its prefix once, without the prefix, and nothing else', async () => {
        const mine = open(`${prefix}-keys`);
        const other = open(`${prefix}-keys2`);
        const names = Array.from({ length: 2500 }, (_, i) => `item:${i}`);
        await mine.setMany(names.map((key) => ({ key, value: 1 })));
        await other.set('item:0', 'other');
        await raw.set(`${prefix}-keys`, 'no colon: not in the namespace');
        const listed = await collect(mine.keys());
        expect(listed).toHaveLength(names.length);
        expect([...listed].sort()).toEqual([...names].sort());
        expect(await collect(open(`${prefix}-empty`).keys())).toEqual([]);
      });

      it('keys() of a prefix with glob characters lists only its own', async () => {
        const star = open(`${prefix}-g*`);
        const plain = open(`${prefix}-gX`);
        await star.set('a', 1);
        await plain.set('b', 2);
        expect(await collect(star.keys())).toEqual(['a']);
        expect(await collect(open(`${prefix}-g?`).keys())).toEqual([]);
        expect(await collect(open(`${prefix}-g[X]`).keys())).toEqual([]);
      });

      it('clear() deletes every key of its prefix (over several SCAN batches) and nothing else', async () => {
        const mine = open(`${prefix}-clear`);
        const neighbour = open(`${prefix}-clear2`);
        const names = Array.from({ length: 2500 }, (_, i) => `row:${i}`);
        await mine.setMany(names.map((key, i) => ({ key, value: i, ttl: 60_000 })));
        await neighbour.set('row:1', 'kept');
        await raw.set(`${prefix}-clear`, 'kept too');
        await mine.clear();
        expect(await collect(mine.keys())).toEqual([]);
        expect(await mine.getMany(names.slice(0, 100))).toEqual(new Array(100).fill(undefined));
        expect(await neighbour.get('row:1')).toBe('kept');
        expect(await raw.get(`${prefix}-clear`)).toBe('kept too');
        await mine.clear(); // an empty namespace
        await mine.set('row:1', 'after');
        expect(await mine.get('row:1')).toBe('after');
      });

      it('clear() without a prefix is refused, and deletes nothing', async () => {
        const unprefixed = new RedisStore<unknown>(reach);
        stores.push(unprefixed);
        await raw.set(`${prefix}:survivor`, '"still here"');
        const error = await unprefixed.clear().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(String(error)).toMatch(/clear\(\) needs a prefix.*Give the store a prefix/);
        expect(await raw.get(`${prefix}:survivor`)).toBe('"still here"');
      });
    });

    describe('close', () => {
      it('quits the connection it opened, and leaves a given client open', async () => {
        const owned = new RedisStore<string>(reach);
        await owned.get('anything');
        await owned.close();
        await owned.close();
        expect(owned.client.status).toBe('end');

        const client = await newClient();
        const borrowed = new RedisStore<string>({ client, prefix });
        await borrowed.set('borrowed', 'B');
        await borrowed.close();
        expect(client.status).toBe('ready');
        expect(await client.get(`${prefix}:borrowed`)).toBe('"B"');
        await client.quit();
      });
    });
  });
}

describe('RedisStore configuration', () => {
  it('refuses a prefix that could overlap another one', () => {
    expect(() => new RedisStore({ url: REDIS_URL, prefix: 'app:users' })).toThrow(ConfigurationError);
    expect(() => new RedisStore({ url: REDIS_URL, prefix: '' })).toThrow(/non-empty string without ':'/);
  });

  it('refuses an unusable configuration, naming what it got', () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    expect(() => new RedisStore({ url: REDIS_URL, client })).toThrow(/either a client, or a url/);
    expect(() => new RedisStore({ client, cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] } })).toThrow(
      ConfigurationError,
    );
    expect(() => new RedisStore({ url: 'localhost:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => new RedisStore({ cluster: { nodes: [] } })).toThrow(/at least one node, got Object object/);
    expect(() => new RedisStore({ cluster: 'redis://x' as never })).toThrow(/got "redis:\/\/x" \(string\)/);
    expect(() => new RedisStore({ client: {} as never })).toThrow(
      /client must be an ioredis Redis or Cluster/,
    );
    expect(() => new RedisStore(42 as never)).toThrow(/got 42 \(number\)/);
    client.disconnect();
  });
});

function naiveMerge(target: Record<string, any>, source: Record<string, any>): void {
  for (const key of Object.keys(source)) {
    if (source[key] !== null && typeof source[key] === 'object') {
      target[key] ??= {};
      naiveMerge(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  }
}

describe('RedisStore on a scratch redis-server', () => {
  let server: ScratchRedis;
  let admin: Redis;
  let store: RedisStore<unknown>;

  beforeAll(async () => {
    server = await ScratchRedis.start();
    admin = new Redis(server.url);
    store = new RedisStore({ url: server.url, prefix: 'scratch' });
    await store.set('warm-up', 1);
  });
  afterAll(async () => {
    await store.close();
    await admin.quit();
    await server.kill();
  });

  it('answers getMany and getManyWithExpiry with one MGET each, and deleteMany with one DEL', async () => {
    await store.setMany([
      { key: 'a', value: 'A' },
      { key: 'b', value: 'B', ttl: 60_000 },
    ]);
    await admin.config('RESETSTAT');
    expect(await store.getMany(['a', 'b', 'missing', 'a'])).toEqual(['A', 'B', undefined, 'A']);
    const entries = await store.getManyWithExpiry(['b', 'a']);
    expect(entries[0]?.expiresAt).toEqual(expect.any(Number));
    expect(entries[1]).toEqual({ value: 'A' });
    await store.deleteMany(['a', 'b', 'missing']);
    const calls = await commandCalls(admin);
    expect(calls.mget).toBe(2);
    expect(calls.del).toBe(1);
    expect(calls.get).toBeUndefined();
    expect(calls.pttl).toBeUndefined();
  });

  it('answers has with one EXISTS, and getSet with one SET … GET', async () => {
    await store.set('h', 'H', 60_000);
    await admin.config('RESETSTAT');
    expect(await store.has('h')).toBe(true);
    expect(await store.getSet('h', 'I', 60_000)).toBe('H');
    const calls = await commandCalls(admin);
    expect(calls).toMatchObject({ exists: 1, set: 1 });
    expect(calls.get).toBeUndefined();
    expect(calls.eval).toBeUndefined();
  });

  it('clears and lists by SCAN and UNLINK, never KEYS or FLUSHDB, so the rest of the database survives', async () => {
    const cleared = new RedisStore<number>({ url: server.url, prefix: 'cleared' });
    await cleared.setMany(Array.from({ length: 1500 }, (_, i) => ({ key: `k${i}`, value: i })));
    await admin.set('foreign', 'kept');
    await admin.config('RESETSTAT');
    let listed = 0;
    for await (const key of cleared.keys()) if (key.startsWith('k')) listed++;
    await cleared.clear();
    const calls = await commandCalls(admin);
    expect(listed).toBe(1500);
    expect(calls.scan).toBeGreaterThanOrEqual(4);
    expect(calls.unlink).toBeGreaterThanOrEqual(2);
    expect(calls.keys).toBeUndefined();
    expect(calls.flushdb).toBeUndefined();
    expect(calls.flushall).toBeUndefined();
    expect(calls.del).toBeUndefined();
    expect(await admin.dbsize()).toBeGreaterThan(0);
    expect(await admin.get('foreign')).toBe('kept');
    await cleared.close();
  });

  it('without a prefix, keys() lists every key of the database (it cannot tell whose they are)', async () => {
    const unprefixed = new RedisStore<string>({ url: server.url });
    await admin.set('someone-else', 'x');
    const all = new Set<string>();
    for await (const key of unprefixed.keys()) all.add(key);
    expect(all.has('someone-else')).toBe(true);
    expect(all.has('scratch:warm-up')).toBe(true);
    await unprefixed.close();
  });

  it('writes setMany in one MULTI, and getWithExpiry with a single GET', async () => {
    await admin.config('RESETSTAT');
    await store.setMany([
      { key: 'x', value: 1 },
      { key: 'y', value: 2, ttl: 60_000 },
      { key: 'z', value: 3 },
    ]);
    expect((await store.getWithExpiry('y'))?.value).toBe(2);
    const calls = await commandCalls(admin);
    expect(calls).toMatchObject({ multi: 1, exec: 1, set: 3, get: 1 });
    expect(calls.pttl).toBeUndefined();
    expect(await admin.pttl('scratch:y')).toBeGreaterThan(59_000);
    expect(await admin.pttl('scratch:x')).toBe(-1);
  });
});

describe('RedisStore with a password and with TLS', () => {
  const password = `p@ss:${randomUUID()}`;
  let servers: PasswordProtectedRedis;

  beforeAll(async () => {
    servers = await PasswordProtectedRedis.start(password);
  });
  afterAll(() => servers.kill());

  it('connects with the password in the URL', async () => {
    const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${servers.plain.port}`;
    const store = new RedisStore<string>({ url, prefix: 'secured' });
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await store.close();
  });

  it('fails, rather than hangs, with a wrong password', async () => {
    const store = new RedisStore<string>({ url: `redis://:wrong@127.0.0.1:${servers.plain.port}` });
    const started = Date.now();
    await expect(store.get('k')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    await store.close();
  });

  it('connects over TLS with a rediss:// URL', async () => {
    const url = `rediss://:${encodeURIComponent(password)}@127.0.0.1:${servers.tls.port}`;
    const store = new RedisStore<string>({ url, prefix: 'tls', redisOptions: { tls: { ca: servers.ca } } });
    await store.set('k', 'over tls', 60_000);
    expect(await store.getWithExpiry('k')).toEqual({ value: 'over tls', expiresAt: expect.any(Number) });
    await store.close();
  });
});
