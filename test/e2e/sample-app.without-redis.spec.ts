import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SqlDatabase } from '../../sample-app/src/database/sql-database.js';
import { metric, SampleAppFixture, type RunningApp } from './support/sample-app-fixture.js';

/** What `npm start` runs with no environment: memory → SQLite, no Redis, no bus. */
describe('the sample app on SQLite alone (no REDIS_URL)', () => {
  let fixture: SampleAppFixture;
  let app: RunningApp;

  beforeAll(async () => {
    fixture = await SampleAppFixture.create('sqlite', { redis: false });
    app = await fixture.start();
  });
  afterAll(() => fixture?.close());

  it('has two layers, memory and database', () => {
    expect(app.store.layerNames).toEqual(['memory', 'database']);
  });

  it('serves the seeded users: database first, memory next', async () => {
    const first = await app.http().get('/users/2').expect(200);
    expect(first.headers['x-cache-layer']).toBe('database');
    expect(first.body).toMatchObject({ id: '2', name: 'Alan Turing' });
    await app.settle();
    expect((await app.http().get('/users/2').expect(200)).headers['x-cache-layer']).toBe('memory');
    expect((await app.http().get('/users/2/permissions').expect(200)).body).toEqual({
      kind: 'permissions',
      id: '2',
      role: 'member',
      permissions: ['users:read'],
    });

    const metrics = await app.metrics();
    expect(metric(metrics, 'delegated_store_backfills_total{layer="memory",is_primary="false"}')).toBe(4);
    expect(metrics).not.toContain('layer="redis"');
  });

  it('writes through to the database', async () => {
    await app.http().put('/users/2').send({ name: 'A. M. Turing', email: 'amt@example.com' }).expect(200);
    expect((await app.http().get('/users/2').expect(200)).body.name).toBe('A. M. Turing');
    expect((await app.repository.get('user:2'))?.name).toBe('A. M. Turing');
  });

  it('seeds idempotently: a second instance on the same file keeps the rows as they are', async () => {
    const second = await fixture.start();
    expect((await second.http().get('/users/2').expect(200)).body.name).toBe('A. M. Turing');
    await second.app.close();
  });

  it('on close, lets the store finish its writes, then closes the database connection', async () => {
    const closing = await fixture.start();
    await closing.http().get('/users/1').expect(200);
    const database = closing.app.get(SqlDatabase);
    const grace = { id: '50', name: 'Grace', email: 'g@example.com', role: 'member', updatedAt: '' } as const;
    const write = closing.store.set('user:50', grace); // still in flight when the application closes
    await closing.app.close();
    await expect(write).resolves.toBeUndefined();
    expect(closing.store.closed).toBe(true);
    await expect(database.query('SELECT 1')).rejects.toThrow(/not open/);
    expect(await app.repository.get('user:50')).toEqual(grace);
  });
});
