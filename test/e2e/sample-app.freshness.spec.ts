/**
 * Freshness in the sample app, over real HTTP: the memory layer keeps users fresh for 1 s here (1 min by
 * default) and serves them stale for a minute after that. With the users table gone (the database reads
 * fail, as in an outage), a user read before answers 200 with the stale value and `x-cache-layer: memory;
 * stale`; once the table is back, a read refreshes it. On PostgreSQL the app also reaches the database
 * through a TCP proxy that the test stops: connections refused and cut, as when the server is down; the
 * same holds. And `DELETE /cache` purges the caches, never a row.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeWithPostgres } from '../support/services.js';
import {
  eventually,
  metric,
  SampleAppFixture,
  type DatabaseKind,
  type RunningApp,
} from './support/sample-app-fixture.js';

const MEMORY_TTL_MS = 1000;

function freshnessSuite(database: DatabaseKind): void {
  let fixture: SampleAppFixture;
  let app: RunningApp;

  beforeAll(async () => {
    fixture = await SampleAppFixture.create(database, { redis: false, databaseProxy: true });
    fixture.env.CACHE_MEMORY_TTL_MS = String(MEMORY_TTL_MS);
    fixture.env.CACHE_MEMORY_GRACE_MS = '60000';
    app = await fixture.start();
  });
  afterAll(() => fixture?.close());

  it('serves a stale user while the database is down, says so in x-cache-layer, and refreshes it once back', async () => {
    const first = await app.http().get('/users/3').expect(200);
    expect(first.headers['x-cache-layer']).toBe('database');
    await app.store.drain();
    // (`memory`, or `memory; stale` on a machine so busy that a second went by)
    expect((await app.http().get('/users/3').expect(200)).headers['x-cache-layer']).toMatch(/^memory/);

    await sleep(MEMORY_TTL_MS + 50); // the entry is now stale (an amount of time, not a synchronisation)
    await fixture.sql('ALTER TABLE users RENAME TO users_away');
    try {
      const stale = await app.http().get('/users/3').expect(200);
      expect(stale.headers['x-cache-layer']).toBe('memory; stale');
      expect(stale.body).toEqual(first.body);
      await app.store.drain(); // the refresh failed: the table is away
      expect(app.store.stats().layers[0].refreshFailures).toBeGreaterThanOrEqual(1);
      expect((await app.http().get('/users/3').expect(200)).headers['x-cache-layer']).toBe('memory; stale');
    } finally {
      await fixture.sql('ALTER TABLE users_away RENAME TO users');
    }

    // After the failure the key backs off for a second; then a read refreshes it from the database.
    await eventually(async () => {
      await app.http().get('/users/3').expect(200);
      await app.store.drain();
      expect((await app.http().get('/users/3').expect(200)).headers['x-cache-layer']).toBe('memory');
    }, 10_000);
    const metrics = await app.metrics();
    expect(metric(metrics, 'delegated_store_stale_hits{layer="memory"}')).toBeGreaterThanOrEqual(2);
    expect(metric(metrics, 'delegated_store_refreshes{layer="memory"}')).toBeGreaterThanOrEqual(2);
  });

  if (database === 'postgres') {
    it('serves a stale user while the database refuses connections, and refreshes it once the database is back', async () => {
      const proxy = fixture.databaseProxy!;
      const first = await app.http().get('/users/2').expect(200);
      expect(first.headers['x-cache-layer']).toBe('database');
      await app.store.drain();
      expect((await app.http().get('/users/2').expect(200)).headers['x-cache-layer']).toMatch(/^memory/);
      const failuresBefore = app.store.stats().layers[0].refreshFailures;

      await sleep(MEMORY_TTL_MS + 50); // the entry is now stale (an amount of time, not a synchronisation)
      await proxy.stop(); // the database is down: connections refused, the pool's connections cut
      try {
        const stale = await app.http().get('/users/2').expect(200);
        expect(stale.headers['x-cache-layer']).toBe('memory; stale');
        expect(stale.body).toEqual(first.body);
        await app.store.drain(); // the refresh failed: no connection
        expect(app.store.stats().layers[0].refreshFailures).toBeGreaterThan(failuresBefore);
        const again = await app.http().get('/users/2').expect(200);
        expect(again.headers['x-cache-layer']).toBe('memory; stale');
        expect(again.body).toEqual(first.body);
      } finally {
        await proxy.resume();
      }

      await eventually(async () => {
        await app.http().get('/users/2').expect(200);
        await app.store.drain();
        expect((await app.http().get('/users/2').expect(200)).headers['x-cache-layer']).toBe('memory');
      }, 10_000);
    });
  }

  it('DELETE /cache purges the caches and keeps every row', async () => {
    await app.http().get('/users/1').expect(200);
    await app.store.drain();
    expect((await app.http().get('/users/1').expect(200)).headers['x-cache-layer']).toBe('memory');
    await app.http().delete('/cache').expect(204);
    const after = await app.http().get('/users/1').expect(200);
    expect(after.headers['x-cache-layer']).toBe('database');
    expect(after.body.name).toBe('Ada Lovelace');
  });
}

describe('freshness in the sample app on SQLite (real HTTP)', () => freshnessSuite('sqlite'));
describeWithPostgres('freshness in the sample app on PostgreSQL (real HTTP)', () =>
  freshnessSuite('postgres'),
);
