import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ConfigurationError } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { PasswordProtectedRedis, ScratchRedis } from '../support/redis-server.js';
import { storeContract } from '../stores/store-contract.js';

/** Calls per command since the last CONFIG RESETSTAT, from INFO commandstats. */
async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
  return calls;
}

describeWithRedis('RedisStore on the shared Redis', () => {
  storeContract(
    'RedisStore',
    async () => {
      const store = new RedisStore<unknown>({ url: REDIS_URL, prefix: `contract-${randomUUID()}` });
      return { store, cleanup: () => store.close() };
    },
    { requireBatch: true, requireExpiry: true },
  );

  let raw: Redis;
  let prefix: string;
  const stores: RedisStore<unknown>[] = [];
  const open = (name = prefix) => {
    const store = new RedisStore<unknown>({ url: REDIS_URL, prefix: name });
    stores.push(store);
    return store;
  };

  beforeAll(() => {
    raw = new Redis(REDIS_URL);
    prefix = `redis-store-${randomUUID()}`;
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
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

    it('refuses a prefix that could overlap another one', () => {
      expect(() => new RedisStore({ url: REDIS_URL, prefix: 'app:users' })).toThrow(ConfigurationError);
      expect(() => new RedisStore({ url: REDIS_URL, prefix: '' })).toThrow(/non-empty string without ':'/);
    });

    it('refuses an unusable configuration', () => {
      const client = new Redis(REDIS_URL, { lazyConnect: true });
      expect(() => new RedisStore({ url: REDIS_URL, client })).toThrow(/either a client, or a url/);
      expect(() => new RedisStore({ url: 'localhost:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
      client.disconnect();
    });

    it('accepts the empty string as a key and rejects keys that are not strings', async () => {
      const store = open();
      await store.set('', 'empty key');
      expect(await store.get('')).toBe('empty key');
      await store.delete('');
      await expect(store.get(42 as unknown as string)).rejects.toThrow(/keys must be strings, got number/);
      await expect(store.set(null as unknown as string, 1)).rejects.toThrow(TypeError);
      await expect(store.getMany(['a', 1 as unknown as string])).rejects.toThrow(TypeError);
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
      await expect(
        store.setMany([
          { key: 'ok', value: 1 },
          { key, value },
        ]),
      ).rejects.toThrow(message);
      expect(await raw.exists(`${prefix}:${key}`, `${prefix}:ok`)).toBe(0);
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

  describe('close', () => {
    it('quits the connection it opened, and leaves a given client open', async () => {
      const owned = new RedisStore<string>({ url: REDIS_URL });
      await owned.get('anything');
      await owned.close();
      await owned.close();
      expect(owned.client.status).toBe('end');

      const client = new Redis(REDIS_URL);
      const borrowed = new RedisStore<string>({ client, prefix });
      await borrowed.set('borrowed', 'B');
      await borrowed.close();
      expect(client.status).toBe('ready');
      expect(await client.get(`${prefix}:borrowed`)).toBe('"B"');
      await client.quit();
    });
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
