import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Next,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  Sse,
  StreamableFile,
  UseInterceptors,
  type ExecutionContext,
  type INestApplication,
  type LoggerService,
  type MessageEvent,
} from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { Test } from '@nestjs/testing';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  DelegatedCacheInterceptor,
  DelegatedCacheKey,
  DelegatedCacheStore,
  DelegatedCacheTtl,
  DelegatedStore,
  DelegatedStoreModule,
  MemoryStore,
  getDelegatedStoreToken,
  type Middleware,
} from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../../support/services.js';
import { TestStore, gate, type Gate } from '../../support/test-store.js';

/** A LoggerService that keeps the errors it was given. */
class RecordingLogger implements LoggerService {
  readonly errors: string[] = [];
  log() {}
  warn() {}
  debug() {}
  verbose() {}
  error(message: unknown) {
    this.errors.push(String(message));
  }
}

/** How many times each handler ran, and a gate that holds the `slow` route. */
@Injectable()
class Runs {
  readonly count = new Map<string, number>();
  slowGate: Gate = gate();
  add(name: string): number {
    const n = (this.count.get(name) ?? 0) + 1;
    this.count.set(name, n);
    return n;
  }
  of(name: string): number {
    return this.count.get(name) ?? 0;
  }
}

const context = new AsyncLocalStorage<{ requestId: string }>();

@Controller('items')
@UseInterceptors(DelegatedCacheInterceptor)
class ItemsController {
  constructor(private readonly runs: Runs) {}

  @Get()
  list(@Query() query: Record<string, string>): { run: number; query: Record<string, string> } {
    return { run: this.runs.add('list'), query };
  }

  @Get('slow')
  async slow(): Promise<{ run: number }> {
    const run = this.runs.add('slow');
    await this.runs.slowGate.promise;
    return { run };
  }

  @Post()
  create(): { run: number } {
    return { run: this.runs.add('create') };
  }

  @Get('fixed/:id')
  @DelegatedCacheKey('items:fixed')
  fixed(@Param('id') id: string): { run: number; id: string } {
    return { run: this.runs.add('fixed'), id };
  }

  @Get('by-tenant')
  @DelegatedCacheKey((ctx: ExecutionContext) => {
    const tenant = ctx.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-tenant'];
    return tenant === undefined ? undefined : `items:tenant:${tenant}`;
  })
  byTenant(): { run: number } {
    return { run: this.runs.add('by-tenant') };
  }

  @Get('short')
  @DelegatedCacheTtl(5_000)
  short(): { run: number } {
    return { run: this.runs.add('short') };
  }

  @Get('ttl-from-request')
  @DelegatedCacheTtl((ctx: ExecutionContext) =>
    Number(ctx.switchToHttp().getRequest<{ query: Record<string, string> }>().query.ttl),
  )
  ttlFromRequest(): { run: number } {
    return { run: this.runs.add('ttl-from-request') };
  }

  @Get('passthrough')
  passthrough(@Res({ passthrough: true }) response: { setHeader(name: string, value: string): void }): {
    run: number;
  } {
    response.setHeader('x-custom', 'set by the handler');
    return { run: this.runs.add('passthrough') };
  }

  @Get('raw')
  raw(@Res() response: { json(body: unknown): void }): void {
    response.json({ run: this.runs.add('raw') });
  }

  // Hands the request on to what comes next (here Nest's 404 for unmatched routes): Nest ignores what it
  // returns, so a cached answer could never reach the client.
  @Get('next')
  handOn(@Next() next: () => void): { run: number } {
    const run = this.runs.add('next');
    next();
    return { run };
  }

  @Sse('events')
  events(): Observable<MessageEvent> {
    return of({ data: { run: this.runs.add('events') } });
  }

  @Get('file')
  file(): StreamableFile {
    return new StreamableFile(Buffer.from(`file run ${this.runs.add('file')}`));
  }

  @Get('nothing')
  nothing(): undefined {
    this.runs.add('nothing');
    return undefined;
  }

  @Get('missing')
  missing(): never {
    this.runs.add('missing');
    throw new NotFoundException('no such item');
  }

  @Get('whoami')
  whoami(): { requestId: string | undefined } {
    this.runs.add('whoami');
    return { requestId: context.getStore()?.requestId };
  }

  @Get('broken-store')
  @DelegatedCacheStore('broken')
  brokenStore(): { run: number } {
    return { run: this.runs.add('broken-store') };
  }

  @Get('unregistered-store')
  @DelegatedCacheStore('nope')
  unregisteredStore(): { run: number } {
    return { run: this.runs.add('unregistered-store') };
  }
}

/** How many getOrLoad calls entered the default store, by key. */
const entered = new Map<string, number>();
const countingMiddleware: Middleware<string, unknown> = (next) => (ctx, key, value) => {
  if (ctx.operation === 'getOrLoad') entered.set(key, (entered.get(key) ?? 0) + 1);
  return next(ctx, key, value);
};

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A failing store: every operation rejects, as a store whose middleware or connection broke would. */
const failingMiddleware: Middleware<string, unknown> = () => () =>
  Promise.reject(new Error('the broken store is down'));

describeWithRedis('DelegatedCacheInterceptor over real HTTP, memory → Redis → a primary', () => {
  let app: INestApplication;
  let logger: RecordingLogger;
  let runs: Runs;
  let store: DelegatedStore<string, unknown>;
  const memory = new MemoryStore<string, unknown>();
  const redis = new RedisStore<unknown>({ url: REDIS_URL, prefix: `http-cache-${randomUUID()}` });
  const primary = new TestStore<unknown>();

  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, unknown>({
          layers: [
            { name: 'memory', store: memory, ttl: 60_000 },
            { name: 'redis', store: redis, ttl: 60_000 },
            { name: 'database', store: primary, primary: true },
          ],
          middlewares: [countingMiddleware],
        }),
        DelegatedStoreModule.forRoot<string, unknown>({
          name: 'broken',
          layers: [{ name: 'memory', store: new MemoryStore() }],
          middlewares: [failingMiddleware],
        }),
      ],
      controllers: [ItemsController],
      providers: [Runs],
    }).compile();
    logger = new RecordingLogger();
    app = moduleRef.createNestApplication({ logger });
    // Each request runs in an async context of its own, as with nestjs-cls or OpenTelemetry.
    app.use((req: { headers: Record<string, string> }, _res: unknown, next: () => void) =>
      context.run({ requestId: req.headers['x-request-id'] }, next),
    );
    await app.init();
    runs = app.get(Runs);
    store = app.get<DelegatedStore<string, unknown>>(DelegatedStore);
  });

  afterAll(async () => {
    await redis.clear();
    await app?.close();
  });

  it('answers MISS from the handler, then HIT from memory, with the layer in x-cache-layer', async () => {
    const first = await http().get('/items?q=1').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['x-cache-layer']).toBe('loader');
    await store.drain();
    const second = await http().get('/items?q=1').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['x-cache-layer']).toBe('memory');
    expect(second.body).toEqual(first.body);
    expect(runs.of('list')).toBe(1);
    // The response is in both cache layers, under the method and the URL.
    expect(await memory.get('GET /items?q=1')).toEqual(first.body);
    expect(await redis.get('GET /items?q=1')).toEqual(first.body);
  });

  it('serves from redis when memory lost the entry, and backfills memory', async () => {
    await http().get('/items?q=redis').expect(200);
    await store.drain();
    await memory.delete('GET /items?q=redis');
    const fromRedis = await http().get('/items?q=redis').expect(200);
    expect(fromRedis.headers['x-cache']).toBe('HIT');
    expect(fromRedis.headers['x-cache-layer']).toBe('redis');
    await store.drain();
    expect((await http().get('/items?q=redis').expect(200)).headers['x-cache-layer']).toBe('memory');
  });

  it('runs the handler once for 100 concurrent requests of one cold URL', async () => {
    runs.slowGate = gate();
    const server = app.getHttpServer();
    const responses = Array.from({ length: 100 }, () => request(server).get('/items/slow'));
    const pending = responses.map((response) => response.then((result) => result));
    // The handler is held until every request is in the store's getOrLoad.
    await until(() => entered.get('GET /items/slow') === 100);
    runs.slowGate.open();
    const results = await Promise.all(pending);
    expect(runs.of('slow')).toBe(1);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ run: 1 });
      expect(['MISS', 'HIT']).toContain(result.headers['x-cache']);
    }
  });

  it('lets other methods through untouched: no cache read, no cache write, no header', async () => {
    await http().get('/items').expect(200);
    await store.drain();
    const posted = await http().post('/items').expect(201);
    const again = await http().post('/items').expect(201);
    expect(posted.body).toEqual({ run: 1 });
    expect(again.body).toEqual({ run: 2 });
    expect(posted.headers['x-cache']).toBeUndefined();
    expect([...entered.keys()].filter((key) => key.startsWith('POST'))).toEqual([]);
    expect(await memory.has('POST /items')).toBe(false);
  });

  it('gives one entry to one query in any parameter order', async () => {
    const before = runs.of('list');
    const first = await http().get('/items?b=2&a=1&a=0').expect(200);
    await store.drain();
    const second = await http().get('/items?a=1&b=2&a=0').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(runs.of('list')).toBe(before + 1);
    expect(await memory.has('GET /items?a=1&a=0&b=2')).toBe(true);
    // Values of one parameter keep their order: another list, another entry.
    expect((await http().get('/items?a=0&a=1&b=2').expect(200)).headers['x-cache']).toBe('MISS');
  });

  it('uses @DelegatedCacheKey: a fixed key, or one computed from the request', async () => {
    const one = await http().get('/items/fixed/1').expect(200);
    await store.drain();
    const two = await http().get('/items/fixed/2').expect(200);
    expect(two.headers['x-cache']).toBe('HIT');
    expect(two.body).toEqual(one.body);
    expect(await memory.get('items:fixed')).toEqual({ run: 1, id: '1' });

    await http().get('/items/by-tenant').set('x-tenant', 'acme').expect(200);
    await store.drain();
    const acme = await http().get('/items/by-tenant').set('x-tenant', 'acme').expect(200);
    expect(acme.headers['x-cache']).toBe('HIT');
    expect(await memory.has('items:tenant:acme')).toBe(true);
    // The key function answers undefined without the header: not cached at all.
    const anonymous = await http().get('/items/by-tenant').expect(200);
    expect(anonymous.headers['x-cache']).toBeUndefined();
    expect(runs.of('by-tenant')).toBe(2);
  });

  it('uses @DelegatedCacheTtl for the entries of the route, in every cache layer', async () => {
    await http().get('/items/short').expect(200);
    await store.drain();
    const now = Date.now();
    const inMemory = await memory.getWithExpiry('GET /items/short');
    const inRedis = await redis.getWithExpiry('GET /items/short');
    // The route's 5 s, not the layers' 60 s.
    expect(inMemory?.expiresAt).toBeLessThanOrEqual(now + 5_000);
    expect(inRedis?.expiresAt).toBeLessThanOrEqual(now + 5_000);
    expect(inRedis?.expiresAt).toBeGreaterThan(now + 1_000);

    await http().get('/items/ttl-from-request?ttl=3000').expect(200);
    await store.drain();
    const fromRequest = await memory.getWithExpiry('GET /items/ttl-from-request?ttl=3000');
    expect(fromRequest?.expiresAt).toBeLessThanOrEqual(Date.now() + 3_000);
    // A ttl function that answers nonsense is the route's bug: a 500 naming the route, logged.
    await http().get('/items/ttl-from-request?ttl=-1').expect(500);
    expect(logger.errors.join('\n')).toContain('ItemsController.ttlFromRequest');
  });

  it('never caches a handler that takes the response object, nor a file, nor undefined', async () => {
    for (let i = 1; i <= 2; i++) {
      const passthrough = await http().get('/items/passthrough').expect(200);
      expect(passthrough.body).toEqual({ run: i });
      expect(passthrough.headers['x-custom']).toBe('set by the handler');
      expect(passthrough.headers['x-cache']).toBeUndefined();
      expect((await http().get('/items/raw').expect(200)).body).toEqual({ run: i });
      const file = await http().get('/items/file').expect(200);
      expect(Buffer.from(file.body as Buffer).toString()).toBe(`file run ${i}`);
      await http().get('/items/nothing').expect(200);
      await store.drain();
    }
    expect(runs.of('passthrough')).toBe(2);
    expect(runs.of('raw')).toBe(2);
    expect(runs.of('file')).toBe(2);
    expect(runs.of('nothing')).toBe(2);
    expect(await memory.has('GET /items/file')).toBe(false);
    expect(await memory.has('GET /items/passthrough')).toBe(false);
  });

  it('lets @Next() handlers and @Sse() routes through untouched: no store call, no header, no entry', async () => {
    // The store is checked before the next request: a cached @Next() answer would leave it hanging.
    for (let i = 1; i <= 2; i++) {
      const handedOn = await http().get('/items/next').expect(404);
      expect(handedOn.headers['x-cache']).toBeUndefined();
      expect(runs.of('next')).toBe(i);
      expect(entered.has('GET /items/next')).toBe(false);
      const events = await http().get('/items/events').expect(200);
      expect(events.headers['content-type']).toContain('text/event-stream');
      expect(events.headers['x-cache']).toBeUndefined();
      expect(events.text).toContain(`data: {"run":${i}}`);
      expect(entered.has('GET /items/events')).toBe(false);
      await store.drain();
    }
    expect(runs.of('events')).toBe(2);
    expect(await memory.has('GET /items/next')).toBe(false);
    expect(await memory.has('GET /items/events')).toBe(false);
  });

  it('lets HEAD requests through: Express runs the GET handler, the cache is neither read nor written', async () => {
    await http().get('/items?head=1').expect(200);
    await store.drain();
    const before = runs.of('list');
    const head = await http().head('/items?head=1').expect(200);
    expect(head.headers['x-cache']).toBeUndefined();
    expect(runs.of('list')).toBe(before + 1); // not served from the GET's entry
    await http().head('/items?head=2').expect(200);
    await store.drain();
    expect(runs.of('list')).toBe(before + 2);
    expect([...entered.keys()].filter((key) => key.startsWith('HEAD'))).toEqual([]);
    expect(entered.has('GET /items?head=2')).toBe(false);
    expect(await memory.has('HEAD /items?head=2')).toBe(false);
    expect(await memory.has('GET /items?head=2')).toBe(false);
  });

  it("passes the handler's own errors on, and caches none", async () => {
    const first = await http().get('/items/missing').expect(404);
    expect(first.body.message).toBe('no such item');
    await http().get('/items/missing').expect(404);
    expect(runs.of('missing')).toBe(2);
  });

  it('runs the handler in the async context of its own request', async () => {
    const [a, b] = await Promise.all([
      http().get('/items/whoami?n=1').set('x-request-id', 'a'),
      http().get('/items/whoami?n=2').set('x-request-id', 'b'),
    ]);
    expect(a.body).toEqual({ requestId: 'a' });
    expect(b.body).toEqual({ requestId: 'b' });
  });

  it('treats a failing store as a miss: the handler answers 200, the failure is logged', async () => {
    const first = await http().get('/items/broken-store').expect(200);
    const second = await http().get('/items/broken-store').expect(200);
    expect(first.body).toEqual({ run: 1 });
    expect(second.body).toEqual({ run: 2 });
    expect(first.headers['x-cache']).toBe('MISS');
    expect(logger.errors.some((line) => line.includes('the broken store is down'))).toBe(true);
  });

  it('names a store that is not registered, and how to register it', async () => {
    await http().get('/items/unregistered-store').expect(500);
    const message = logger.errors.find((line) => line.includes('"nope"'));
    expect(message).toContain("DelegatedStoreModule.forRoot({ name: 'nope'");
    expect(runs.of('unregistered-store')).toBe(0);
  });

  it('never reads, writes or deletes the primary layer', async () => {
    await store.drain();
    expect(primary.calls).toEqual([]);
  });
});

describe('DelegatedCacheInterceptor as APP_INTERCEPTOR, and subclassed', () => {
  @Controller('things')
  class ThingsController {
    runs = 0;
    @Get(':id')
    find(@Param('id') id: string): { id: string; run: number } {
      return { id, run: ++this.runs };
    }
  }

  /** Caches by path only: the query is ignored. */
  @Injectable()
  class PathOnlyInterceptor extends DelegatedCacheInterceptor {
    protected override trackBy(ctx: ExecutionContext): string {
      return `path:${ctx.switchToHttp().getRequest<{ path: string }>().path}`;
    }
  }

  async function start(interceptor: typeof DelegatedCacheInterceptor) {
    @Module({
      imports: [DelegatedStoreModule.forRoot({ layers: [{ name: 'memory', store: new MemoryStore() }] })],
      controllers: [ThingsController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: interceptor }],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('caches every GET route of the application', async () => {
    const app = await start(DelegatedCacheInterceptor);
    try {
      const store = app.get<DelegatedStore<string, unknown>>(getDelegatedStoreToken());
      await request(app.getHttpServer()).get('/things/1').expect(200);
      await store.drain();
      const second = await request(app.getHttpServer()).get('/things/1').expect(200);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.body).toEqual({ id: '1', run: 1 });
    } finally {
      await app.close();
    }
  });

  it('uses the key of an overridden trackBy', async () => {
    const app = await start(PathOnlyInterceptor);
    try {
      const store = app.get<DelegatedStore<string, unknown>>(getDelegatedStoreToken());
      await request(app.getHttpServer()).get('/things/2?x=1').expect(200);
      await store.drain();
      const other = await request(app.getHttpServer()).get('/things/2?x=2').expect(200);
      expect(other.headers['x-cache']).toBe('HIT');
      expect(await store.has('path:/things/2', { cachesOnly: true })).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('lets a non-HTTP context through, without looking for a store', async () => {
    const noStore = {
      get: () => {
        throw new Error('no store may be looked up for a non-HTTP context');
      },
    };
    const interceptor = new DelegatedCacheInterceptor(noStore as never, new Reflector());
    const rpc = new ExecutionContextHost(
      [{ pattern: 'things.find' }],
      ThingsController,
      ThingsController.prototype.find,
    );
    rpc.setType('rpc');
    const result = interceptor.intercept(rpc, { handle: () => of('from the handler') });
    expect(await lastValueFrom(await result)).toBe('from the handler');
  });
});
