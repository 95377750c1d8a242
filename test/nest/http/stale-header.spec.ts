/** DelegatedCacheInterceptor over a layer with grace: a stale response is served at once as `x-cache: STALE`. */
import 'reflect-metadata';
import { afterAll, beforeAll, expect, it, describe } from '@jest/globals';
import { Controller, Get, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import {
  DelegatedCacheInterceptor,
  DelegatedStore,
  DelegatedStoreModule,
  MemoryStore,
} from '../../../lib/index.js';

let runs = 0;

@Controller('report')
@UseInterceptors(DelegatedCacheInterceptor)
class ReportController {
  @Get()
  report(): { run: number } {
    return { run: ++runs };
  }
}

describe('DelegatedCacheInterceptor and grace (real HTTP)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, unknown>({
          layers: [{ name: 'memory', store: new MemoryStore<string, unknown>(), ttl: 100, grace: 60_000 }],
        }),
      ],
      controllers: [ReportController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app?.close());

  it('MISS, then past the ttl STALE at once (the handler refreshes it in the background)', async () => {
    const miss = await request(app.getHttpServer()).get('/report').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.body).toEqual({ run: 1 });
    await app.get(DelegatedStore).drain();

    await sleep(150); // past the 100 ms ttl, well within the grace
    const stale = await request(app.getHttpServer()).get('/report').expect(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.headers['x-cache-layer']).toBe('memory');
    expect(stale.body).toEqual({ run: 1 });

    await app.get(DelegatedStore).drain(); // the refresh ran the handler once more
    expect(runs).toBe(2);
    const refreshed = await request(app.getHttpServer()).get('/report').expect(200);
    expect(refreshed.body).toEqual({ run: 2 });
    expect(refreshed.headers['x-cache']).toMatch(/^(HIT|STALE)$/); // STALE only on a very slow machine
  });
});
