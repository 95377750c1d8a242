/**
 * Security: what a store reads back from Redis cannot pollute prototypes (through the whole
 * DelegatedStore, backfills included), stores with different prefixes on one Redis cannot see each
 * other's keys, password and TLS URLs work for a layered store with an invalidation bus, and neither
 * values nor credentials reach the logs. Redis runs as scratch child processes.
 *
 * RedisStore's own reads of the basic payloads and its password/TLS connections are covered in
 * test/redis; this file covers the paths through DelegatedStore, the bus, and what is logged.
 */
import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import {
  DelegatedStore,
  DelegatedStoreModule,
  MemoryStore,
  withErrorHandler,
  withInvalidationBus,
  type Store,
} from '../../lib/index.js';
import { RedisInvalidationBus, RedisStore } from '../../lib/redis/index.js';
import { PasswordProtectedRedis, ScratchRedis, freePort } from '../support/redis-server.js';
import { TestStore, flush } from '../support/test-store.js';

type Json = Record<string, unknown>;

/** Payloads an attacker with write access to Redis could plant. `ok` must survive; nothing else may leak. */
const POLLUTION_PAYLOADS = [
  '{"ok":1,"__proto__":{"polluted":"yes"}}',
  '{"ok":1,"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"ok":1,"prototype":{"polluted":"yes"}}',
  '{"ok":1,"a":{"b":{"c":{"__proto__":{"polluted":"yes"},"d":[{"constructor":{"prototype":{"polluted":"yes"}}}]}}}}',
  '{"ok":1,"list":[[{"__proto__":{"polluted":"yes"}}],[{"prototype":{"polluted":"yes"}}]]}',
  '{"ok":1,"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":"yes"}}',
  '{"ok":1,"c\\u006fnstructor":{"pr\\u006ftotype":{"polluted":"yes"}}}',
  `~${Date.now() + 3_600_000}~{"ok":1,"__proto__":{"polluted":"yes"},"nested":{"constructor":{"prototype":{"polluted":"yes"}}}}`,
];

const DANGEROUS = ['__proto__', 'constructor', 'prototype'];

/** Every object in the value: no dangerous own key, a plain prototype. Returns the problems found. */
function inspectTree(value: unknown, path = '$', problems: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return problems;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype)
    problems.push(`${path} has a foreign prototype`);
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === 'string' && DANGEROUS.includes(key)) problems.push(`${path} has own key ${key}`);
    inspectTree((value as Json)[key as string], `${path}.${String(key)}`, problems);
  }
  return problems;
}

/** What a careless deep merge (lodash.merge before its fix) does with data it is given. */
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

function expectNoPollution(value: unknown): void {
  expect((value as Json).ok).toBe(1);
  expect(inspectTree(value)).toEqual([]);
  naiveMerge({}, value as Json);
  expect(({} as Json).polluted).toBeUndefined();
  expect((Object.prototype as Json).polluted).toBeUndefined();
  expect((Array.prototype as unknown as Json).polluted).toBeUndefined();
}

/** A LoggerService that keeps every message and argument, of every level. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  #keep(level: string, args: unknown[]) {
    this.lines.push(
      `${level} ${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' ')}`,
    );
  }
  log(...args: unknown[]) {
    this.#keep('log', args);
  }
  error(...args: unknown[]) {
    this.#keep('error', args);
  }
  warn(...args: unknown[]) {
    this.#keep('warn', args);
  }
  debug(...args: unknown[]) {
    this.#keep('debug', args);
  }
  verbose(...args: unknown[]) {
    this.#keep('verbose', args);
  }
  fatal(...args: unknown[]) {
    this.#keep('fatal', args);
  }
}

describe('security', () => {
  let server: ScratchRedis;
  let raw: Redis;
  /** Everything a test opened, closed after it even when it failed, so that Jest can exit. */
  const opened: Array<{ close(): Promise<unknown> }> = [];
  const track = <T extends { close(): Promise<unknown> }>(closable: T): T => (
    opened.push(closable),
    closable
  );
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((closable) => closable.close()));
  });

  beforeAll(async () => {
    server = await ScratchRedis.start();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    await raw.quit();
    await server.kill();
  });

  describe('JSON read back from Redis cannot pollute prototypes', () => {
    it.each(POLLUTION_PAYLOADS)(
      'through RedisStore and DelegatedStore get/getMany/getOrLoad: %s',
      async (payload) => {
        const prefix = `pollution-${randomUUID()}`;
        const memory = new MemoryStore<string, unknown>();
        const redis = new RedisStore<unknown>({ url: server.url, prefix });
        const primary = new TestStore<unknown>();
        const store = track(
          new DelegatedStore<string, unknown>([
            { store: memory, name: 'memory' },
            { store: redis, name: 'redis' },
            { store: primary, name: 'primary', primary: true },
          ]),
        );
        for (const key of ['direct', 'get', 'many', 'load']) await raw.set(`${prefix}:${key}`, payload);

        const read = [
          await redis.get('direct'),
          (await redis.getWithExpiry('direct'))?.value,
          (await redis.getMany(['direct']))[0],
          (await redis.getManyWithExpiry(['direct']))[0]?.value,
          await store.get('get'), // the walk reads the Redis layer with getWithExpiry
          ...(await store.getMany(['many', 'get'])), // getManyWithExpiry for the key still missing
          await store.getOrLoad('load', async () => ({ ok: 'the loader must not run' })),
        ];
        await store.drain();
        // The backfilled copies in the memory layer are the sanitised values too.
        read.push(memory.getSync('get'), memory.getSync('many'), (await memory.getWithExpiry('load'))?.value);

        expect(read).toHaveLength(11);
        read.forEach(expectNoPollution);
        expect(store.stats().layers[1].hits).toBe(3);
        expect(primary.calls).toEqual([]); // every read was served by Redis
        await store.close();
      },
    );

    it('ignores an invalidation message whose fields hide behind __proto__, and is not polluted by it', async () => {
      const channel = `security-${randomUUID()}`;
      const bus = new RedisInvalidationBus({ url: server.url, channel });
      const received: string[][] = [];
      await bus.subscribe((keys) => received.push(keys));
      const memory = new MemoryStore<string, string>();
      const store = track(
        new DelegatedStore<string, string>(
          [
            { store: memory, name: 'memory', local: true },
            { store: new TestStore<string>({ a: 'A', b: 'B' }), name: 'primary', primary: true },
          ],
          withInvalidationBus(bus),
        ),
      );
      expect(await store.get('a')).toBe('A');
      await store.drain();

      await raw.publish(channel, '{"__proto__":{"origin":"other","keys":["a"],"polluted":"yes"}}');
      await raw.publish(
        channel,
        '{"origin":"other","keys":["b"],"constructor":{"prototype":{"polluted":"yes"}}}',
      );
      // The message after them proves both were delivered and handled before it.
      await raw.publish(channel, '{"origin":"other","keys":["c"]}');
      while (received.length < 2) await new Promise((resolve) => setImmediate(resolve));

      expect(received).toEqual([['b'], ['c']]); // the first message has no own origin/keys: ignored
      await flush();
      expect(memory.getSync('a')).toBe('A'); // so the local copy of a stays
      expect(({} as Json).polluted).toBeUndefined();
      await store.close();
    });
  });

  describe('stores with different prefixes on one Redis', () => {
    it('cannot read, overwrite or delete each other’s keys, through the whole store', async () => {
      const run = randomUUID().slice(0, 8);
      const open = (name: string) =>
        new DelegatedStore<string, string>([
          { store: new MemoryStore<string, string>(), name: 'memory' },
          { store: new RedisStore<string>({ url: server.url, prefix: `${name}${run}` }), name: 'redis' },
        ]);
      const users = track(open('users'));
      const orders = track(open('orders'));

      await users.set('42', 'user 42 secret');
      expect(await orders.get('42')).toBeUndefined();
      expect(await orders.getMany(['42', '42'])).toEqual([undefined, undefined]);
      expect(await orders.getOrLoad('42', async () => 'order 42')).toBe('order 42');
      // A key spelled like the other store's Redis name stays inside its own namespace.
      expect(await orders.get(`users${run}:42`)).toBeUndefined();
      await orders.set('42', 'order 42 v2');
      await orders.delete(`users${run}:42`);
      await orders.drain();

      // A fresh instance of the users store (empty memory layer) reads its Redis namespace.
      const usersAgain = track(open('users'));
      expect(await usersAgain.get('42')).toBe('user 42 secret');
      await orders.delete('42');
      expect(await usersAgain.getMany(['42'])).toEqual(['user 42 secret']);
      expect((await raw.keys(`*${run}*`)).sort()).toEqual([`users${run}:42`]);
      await Promise.all([users.close(), orders.close(), usersAgain.close()]);
    });
  });

  describe('password and TLS URLs, through a layered store with an invalidation bus', () => {
    const password = `p@ss:/w?rd#${randomUUID()}`;
    let servers: PasswordProtectedRedis;

    beforeAll(async () => {
      servers = await PasswordProtectedRedis.start(password);
    });
    afterAll(() => servers.kill());

    it.each([
      ['redis:// with a password', false],
      ['rediss:// (TLS) with a password', true],
    ])(
      '%s: two instances share Redis, and a write on one drops the other’s local copy',
      async (_name, useTls) => {
        const server = useTls ? servers.tls : servers.plain;
        const url = `${useTls ? 'rediss' : 'redis'}://:${encodeURIComponent(password)}@127.0.0.1:${server.port}`;
        const redisOptions = useTls ? { tls: { ca: servers.ca } } : undefined;
        const channel = `users-${randomUUID()}`;
        const prefix = `users${randomUUID().slice(0, 8)}`;
        const primary = new TestStore<string>({ u: 'v1' });
        const contained: unknown[] = [];
        const instance = () => {
          const bus = new RedisInvalidationBus({ url, channel, redisOptions });
          const store = new DelegatedStore<string, string>(
            [
              { store: new MemoryStore<string, string>(), name: 'memory', local: true },
              { store: new RedisStore<string>({ url, prefix, redisOptions }), name: 'redis', timeout: 1000 },
              { store: primary, name: 'primary', primary: true },
            ],
            withInvalidationBus(bus),
            withErrorHandler((error) => contained.push(error)),
          );
          return { bus, store: track(store) };
        };
        const a = instance();
        const b = instance();
        const delivered: string[][] = [];
        await b.bus.subscribe((keys) => delivered.push(keys)); // after the store's own listener

        expect(await a.store.get('u')).toBe('v1'); // from the primary, backfilled into Redis and memory
        await a.store.drain();
        expect(await b.store.get('u')).toBe('v1'); // from Redis, over the password/TLS connection
        await b.store.drain();
        expect(b.store.stats().layers[1].hits).toBe(1);

        await a.store.set('u', 'v2');
        while (delivered.length === 0) await new Promise((resolve) => setImmediate(resolve));
        await flush();
        expect(delivered).toEqual([['u']]);
        expect(await b.store.get('u')).toBe('v2'); // b's memory copy was dropped; Redis has v2
        expect(contained).toEqual([]);
        await Promise.all([a.store.close(), b.store.close()]);
      },
    );

    it('a wrong password fails the Redis layer, and what is logged holds no password', async () => {
      const wrong = `wrong-${randomUUID()}`;
      const logger = new CapturingLogger();
      const moduleRef = await Test.createTestingModule({
        imports: [
          DelegatedStoreModule.forRoot<string, string>({
            layers: [
              {
                store: new RedisStore<string>({ url: `redis://:${wrong}@127.0.0.1:${servers.plain.port}` }),
                name: 'redis',
              },
              { store: new TestStore<string>({ k: 'v' }), name: 'primary', primary: true },
            ],
          }),
        ],
      })
        .setLogger(logger)
        .compile();
      track(moduleRef);
      const store = moduleRef.get<DelegatedStore<string, string>>(DelegatedStore);
      expect(await store.get('k')).toBe('v');
      await moduleRef.close();
      expect(logger.lines.some((line) => line.includes('layer "redis" failed'))).toBe(true);
      expect(logger.lines.filter((line) => line.includes(wrong))).toEqual([]);
    });

    // A regression test: ioredis's ReplyError for a failed AUTH carries the command and its arguments
    // (the password) as `error.command`; a handler that logs the error object (util.inspect, pino's err
    // serializer) would print the password.
    it('the error handed to withErrorHandler for a wrong password does not carry the password', async () => {
      const wrong = `wrong-${randomUUID()}`;
      const contained: unknown[] = [];
      const store = track(
        new DelegatedStore<string, string>(
          [
            {
              store: new RedisStore<string>({ url: `redis://:${wrong}@127.0.0.1:${servers.plain.port}` }),
              name: 'redis',
            },
            { store: new TestStore<string>({ k: 'v' }), name: 'primary', primary: true },
          ],
          withErrorHandler((error) => contained.push(error)),
        ),
      );
      expect(await store.get('k')).toBe('v');
      expect(contained.length).toBeGreaterThan(0);
      expect(
        contained.map((error) => inspect(error, { depth: 10 })).filter((text) => text.includes(wrong)),
      ).toEqual([]);
    });

    // A regression test: the ConfigurationError for a URL with a wrong scheme used to echo the whole URL,
    // password included, and Nest prints that error when the application fails to start.
    it('a malformed URL is refused without echoing its password', () => {
      const secret = `secret-${randomUUID()}`;
      const url = `http://:${secret}@127.0.0.1:6379`;
      const messages: string[] = [];
      for (const build of [() => new RedisStore({ url }), () => new RedisInvalidationBus({ url })]) {
        try {
          build();
        } catch (error) {
          messages.push(String(error));
        }
      }
      expect(messages).toHaveLength(2);
      for (const message of messages) expect(message).not.toContain(secret);
    });
  });

  describe('values never reach the logs', () => {
    const SECRET = `SECRET-${randomUUID()}`;

    it('with a failing cache layer, a Redis layer that is down or refuses the value, and a throwing callback', async () => {
      const logger = new CapturingLogger();
      const consoleLines: string[] = [];
      const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
      const originals = methods.map((method) => console[method]);
      methods.forEach((method) => {
        console[method] = (...args: unknown[]) =>
          void consoleLines.push(args.map((a) => inspect(a)).join(' '));
      });
      const broken: Store<string, unknown> = {
        get: async () => {
          throw new Error('cache read failed');
        },
        set: async () => {
          throw new Error('cache write failed');
        },
        delete: async () => {
          throw new Error('cache delete failed');
        },
      };
      const down = new RedisStore<unknown>({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'down' });
      const refusing = new RedisStore<unknown>({
        url: server.url,
        prefix: `refusing${randomUUID().slice(0, 8)}`,
      });
      const primary = new TestStore<unknown>({ existing: { note: SECRET, n: 1 } });
      try {
        const moduleRef = await Test.createTestingModule({
          imports: [
            DelegatedStoreModule.forRoot<string, unknown>({
              layers: [
                { store: broken, name: 'broken' },
                { store: down, name: 'redis-down', timeout: 500 },
                { store: refusing, name: 'redis' },
                { store: primary, name: 'db', primary: true },
              ],
              backFillCallbacks: [
                () => {
                  throw new Error('callback broke');
                },
              ],
            }),
          ],
        })
          .setLogger(logger)
          .compile();
        const app = track(moduleRef.createNestApplication({ logger }));
        await app.init();
        const store = app.get<DelegatedStore<string, unknown>>(DelegatedStore);

        // A value RedisStore refuses (a BigInt), carrying the secret in another field.
        const unstorable = { note: SECRET, amount: 10n };
        await store.set('unstorable', unstorable);
        await store.set('plain', `${SECRET} as a string`);
        await store.set('object', { nested: { note: SECRET } });
        expect(await store.get('existing')).toEqual({ note: SECRET, n: 1 });
        expect(await store.getMany(['plain', 'object', 'unstorable'])).toEqual([
          `${SECRET} as a string`,
          { nested: { note: SECRET } },
          unstorable,
        ]);
        expect(await store.getOrLoad('loaded', async () => ({ note: SECRET }))).toEqual({ note: SECRET });
        await store.delete('plain');
        await store.drain();
        await app.close();

        const errors = logger.lines.filter((line) => line.startsWith('error'));
        // The failures were logged (so the check below looks at real lines)...
        expect(errors.some((line) => line.includes('layer "broken" failed'))).toBe(true);
        expect(errors.some((line) => line.includes('layer "redis-down" failed'))).toBe(true);
        expect(errors.some((line) => line.includes('layer "redis" failed') && line.includes('BigInt'))).toBe(
          true,
        );
        expect(errors.some((line) => line.includes('callback broke'))).toBe(true);
        // ...and no line of any level, nor anything printed to the console, holds the value.
        expect(logger.lines.filter((line) => line.includes(SECRET))).toEqual([]);
        expect(consoleLines.filter((line) => line.includes(SECRET))).toEqual([]);
      } finally {
        methods.forEach((method, i) => (console[method] = originals[i]));
      }
    });
  });
});
