/** DelegatedCacheInterceptor with a store declared by DelegatedStoreClass(): named by its class. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  DelegatedCacheInterceptor,
  DelegatedCacheStore,
  DelegatedStoreClass,
  MemoryStore,
} from '../../../lib/index.js';

class ResponsesStore extends DelegatedStoreClass<string, unknown>() {}
class UnregisteredStore extends DelegatedStoreClass<string, unknown>() {}

let runs = 0;

@Controller('typed')
@UseInterceptors(DelegatedCacheInterceptor)
class TypedController {
  @Get()
  @DelegatedCacheStore(ResponsesStore)
  cached(): { run: number } {
    return { run: ++runs };
  }

  @Get('missing')
  @DelegatedCacheStore(UnregisteredStore)
  missing(): { ok: boolean } {
    return { ok: true };
  }
}

/** Keeps what Nest logs at error level (the exceptions handler logs an unhandled route error). */
const logged: string[] = [];
const logger = {
  log() {},
  warn() {},
  debug() {},
  verbose() {},
  error(message: unknown, ...rest: unknown[]) {
    logged.push(
      [message, ...rest].map((part) => (part instanceof Error ? part.message : String(part))).join(' '),
    );
  },
};

describe('@DelegatedCacheStore(TypedStoreClass) (real HTTP)', () => {
  let app: INestApplication;
  const memory = new MemoryStore<string, unknown>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResponsesStore.forRoot({ layers: [{ name: 'memory', store: memory }] })],
      controllers: [TypedController],
    }).compile();
    app = moduleRef.createNestApplication({ logger });
    await app.init();
  });
  afterAll(() => app?.close());

  it('caches in the store named by its class', async () => {
    await request(app.getHttpServer()).get('/typed').expect(200, { run: 1 });
    await app.get(ResponsesStore).drain();
    const second = await request(app.getHttpServer()).get('/typed').expect(200, { run: 1 });
    expect(second.headers['x-cache']).toBe('HIT');
    expect(memory.size).toBe(1);
  });

  it('a class that was never registered fails the route with a message naming it and the fix', async () => {
    await request(app.getHttpServer()).get('/typed/missing').expect(500);
    expect(logged.join('\n')).toMatch(
      /the store UnregisteredStore is not registered in this application \(route .*\)\. Register it with UnregisteredStore\.forRoot/,
    );
  });

  it('refuses what is neither a name nor a store class', () => {
    expect(() => DelegatedCacheStore(class NotAStore {} as never)).toThrow(/DelegatedStoreClass/);
  });
});
