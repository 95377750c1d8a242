import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { DelegatedStore } from '../../../lib/index.js';
import { getDelegatedStoreToken } from '../../../lib/index.js';
import { deriveUserView, USER_VIEW_KINDS } from '../../../sample-app/src/users/user-views.js';
import type { User } from '../../../sample-app/src/users/user.js';
import {
  eventually,
  metric,
  SampleAppFixture,
  type DatabaseKind,
  type RunningApp,
} from './sample-app-fixture.js';

const MEMORY_BACKFILLS = 'delegated_store_backfills_total{layer="memory",is_primary="false"}';
const REDIS_BACKFILLS = 'delegated_store_backfills_total{layer="redis",is_primary="false"}';
const SUMMARIES = 'user_summaries_computed_total';

function user(id: string, name: string, role: User['role'] = 'member'): User {
  return {
    id,
    name,
    email: `${name.split(' ')[0].toLowerCase()}@example.com`,
    role,
    updatedAt: new Date().toISOString(),
  };
}

/**
 * The e2e suite of the sample app with Redis, for one database. Two instances (A and B) share the
 * run's database, Redis prefix and bus channel. Each test uses users of its own, so the order of the
 * tests does not matter.
 */
export function usersE2eSuite(database: DatabaseKind): void {
  let fixture: SampleAppFixture;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    fixture = await SampleAppFixture.create(database, { redis: true });
    a = await fixture.start();
    b = await fixture.start();
  });
  afterAll(() => fixture?.close());

  it('serves a first read from the database, the next from memory, and a fresh instance from redis', async () => {
    const first = await a.http().get('/users/1').expect(200);
    expect(first.headers['x-cache-layer']).toBe('database');
    expect(first.body).toMatchObject({
      id: '1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      role: 'admin',
    });
    await a.settle();

    const second = await a.http().get('/users/1').expect(200);
    expect(second.headers['x-cache-layer']).toBe('memory');
    expect(second.body).toEqual(first.body);

    // A restarted instance: its memory layer is empty, Redis still has the user.
    const restarted = await fixture.start();
    const fromRedis = await restarted.http().get('/users/1').expect(200);
    expect(fromRedis.headers['x-cache-layer']).toBe('redis');
    expect(fromRedis.body).toEqual(first.body);
    await restarted.settle();
    expect((await restarted.http().get('/users/1').expect(200)).headers['x-cache-layer']).toBe('memory');
    await restarted.app.close();
  });

  it('PUT then GET returns the new value, from every layer', async () => {
    await a.http().get('/users/2').expect(200); // cached before the write
    await a.settle();
    const body = { name: 'Alan M. Turing', email: 'alan@example.org', role: 'admin' };
    const put = await a.http().put('/users/2').send(body).expect(200);
    expect(put.body).toMatchObject({ id: '2', ...body });

    const read = await a.http().get('/users/2').expect(200);
    expect(read.headers['x-cache-layer']).toBe('memory');
    expect(read.body).toEqual(put.body);
    expect(await fixture.readRedis('user:2')).toEqual(put.body);
    expect(await a.repository.get('user:2')).toEqual(put.body);
    // An instance that never read the user finds the new value in Redis.
    const other = await b.http().get('/users/2').expect(200);
    expect(other.headers['x-cache-layer']).toBe('redis');
    expect(other.body).toEqual(put.body);
  });

  it('PUT creates a user that did not exist', async () => {
    await a.http().get('/users/40').expect(404);
    await a.http().put('/users/40').send({ name: 'Edsger Dijkstra', email: 'ewd@example.com' }).expect(200);
    const read = await b.http().get('/users/40').expect(200);
    expect(read.body).toMatchObject({ id: '40', name: 'Edsger Dijkstra', role: 'member' });
  });

  it('DELETE then GET is a 404, and no layer keeps the user', async () => {
    await a.http().get('/users/3').expect(200);
    await a.settle();
    await a.http().delete('/users/3').expect(204);

    const gone = await a.http().get('/users/3').expect(404);
    expect(gone.body.message).toBe('user 3 not found');
    expect(await fixture.readRedis('user:3')).toBeUndefined();
    expect(await fixture.readRedis('user:profile:3')).toBeUndefined();
    expect(await a.repository.get('user:3')).toBeUndefined();
    await a.http().delete('/users/3').expect(404);
    await a.http().get('/users/999').expect(404);
  });

  it('caches the summary (computed once for two calls) and a PUT evicts it', async () => {
    await a
      .http()
      .put('/users/10')
      .send({ name: 'Barbara Liskov', email: 'barbara@example.com' })
      .expect(200);
    const before = metric(await a.metrics(), SUMMARIES);

    const first = await a.http().get('/users/10/summary').expect(200);
    const second = await a.http().get('/users/10/summary').expect(200);
    expect(first.body).toMatchObject({
      id: '10',
      headline: 'Barbara Liskov (member)',
      emailDomain: 'example.com',
    });
    expect(second.body).toEqual(first.body);
    expect(metric(await a.metrics(), SUMMARIES)).toBe(before + 1);

    await a
      .http()
      .put('/users/10')
      .send({ name: 'Barbara Liskov', email: 'b@mit.example', role: 'admin' })
      .expect(200);
    const third = await a.http().get('/users/10/summary').expect(200);
    expect(third.body).toMatchObject({ headline: 'Barbara Liskov (admin)', emailDomain: 'mit.example' });
    expect(metric(await a.metrics(), SUMMARIES)).toBe(before + 2);

    await a.http().delete('/users/10').expect(204);
    await a.http().get('/users/10/summary').expect(404);
  });

  it('DELETE /cache purges memory and Redis on every instance, and keeps the database rows', async () => {
    await a.http().put('/users/88').send({ name: 'Hedy Lamarr', email: 'hedy@example.com' }).expect(200);
    await a.http().get('/users/88').expect(200);
    await a.settle();
    await b.http().get('/users/88').expect(200);
    await b.settle();
    expect(await fixture.readRedis('user:88')).toBeDefined();
    await a.http().delete('/cache').expect(204);
    expect(await fixture.readRedis('user:88')).toBeUndefined();
    await eventually(async () => {
      expect((await b.http().get('/users/88').expect(200)).headers['x-cache-layer']).toBe('database');
    });
    expect((await a.http().get('/users/88').expect(200)).body.name).toBe('Hedy Lamarr');
  });

  it('two instances: a PUT on A is seen by B, which had the user in memory', async () => {
    await a.http().put('/users/20').send({ name: 'Donald Knuth', email: 'knuth@example.com' }).expect(200);
    await b.http().get('/users/20').expect(200);
    await b.settle();
    const cached = await b.http().get('/users/20').expect(200);
    expect(cached.headers['x-cache-layer']).toBe('memory');
    const summary = await b.http().get('/users/20/summary').expect(200);
    expect(summary.body.headline).toBe('Donald Knuth (member)');

    await a.http().put('/users/20').send({ name: 'Donald E. Knuth', email: 'knuth@example.com' }).expect(200);
    // The bus delivers A's write to B asynchronously: B drops its memory copies, then reads Redis.
    await eventually(async () => {
      const read = await b.http().get('/users/20').expect(200);
      expect(read.body.name).toBe('Donald E. Knuth');
    });
    await eventually(async () => {
      const read = await b.http().get('/users/20/summary').expect(200);
      expect(read.body.headline).toBe('Donald E. Knuth (member)');
    });
  });

  it('counts on /metrics what happened: backfills by layer, hits, latencies', async () => {
    await a.repository.set('user:30', user('30', 'Frances Allen')); // written behind the store's back
    const before = await a.metrics();

    expect((await a.http().get('/users/30').expect(200)).headers['x-cache-layer']).toBe('database');
    await a.settle();
    const after = await a.metrics();

    // The user, then its three preheated views, each written into memory and into redis.
    expect(metric(after, MEMORY_BACKFILLS) - metric(before, MEMORY_BACKFILLS)).toBe(4);
    expect(metric(after, REDIS_BACKFILLS) - metric(before, REDIS_BACKFILLS)).toBe(4);
    expect(metric(after, 'delegated_store_backfills_total{layer="database",is_primary="true"}')).toBe(0);
    const userBackFills = 'user_store_backfilled_entries_total{family="user",layer_index="0"}';
    expect(metric(after, userBackFills) - metric(before, userBackFills)).toBe(1);
    const dbHits = 'delegated_store_hits{layer="database"}';
    expect(metric(after, dbHits) - metric(before, dbHits)).toBe(1);
    expect(metric(after, 'delegated_store_misses{layer="memory"}')).toBeGreaterThan(0);
    expect(
      metric(
        after,
        'http_request_duration_seconds_count{route="UsersController.findOne",method="GET",outcome="ok"}',
      ),
    ).toBeGreaterThan(0);
    expect(
      metric(after, 'delegated_store_operation_duration_seconds_count{operation="get",outcome="ok"}'),
    ).toBeGreaterThan(0);

    const response = await a.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('preheats the views of a user read from the database, into memory and redis', async () => {
    const frances = user('31', 'Frances Spence', 'admin');
    await a.repository.set('user:31', frances);
    const loadsBefore = a.store.stats().loads;

    await a.http().get('/users/31').expect(200);
    await a.settle();

    for (const kind of USER_VIEW_KINDS) {
      let servedBy: string | undefined;
      const view = await a.store.get(`user:${kind}:31`, { onServed: (layer) => (servedBy = layer) });
      expect(view).toEqual(deriveUserView(kind, frances));
      expect(servedBy).toBe('memory');
      expect(await fixture.readRedis(`user:${kind}:31`)).toEqual(view);
    }
    // Three loads, one per view: the views' own backfills preheat nothing.
    expect(a.store.stats().loads - loadsBefore).toBe(3);
    const profile = await a.http().get('/users/31/profile').expect(200);
    expect(profile.headers['x-cache-layer']).toBe('memory');
    expect(profile.body).toEqual({
      kind: 'profile',
      id: '31',
      displayName: 'Frances Spence',
      initials: 'FS',
    });
  });

  it('answers 400 with a message for bad bodies and bad ids', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: '', email: 'a@example.com' }, 'name must be a non-empty string'],
      [{ name: '   ', email: 'a@example.com' }, 'name must be a non-empty string'],
      [{ email: 'a@example.com' }, 'name must be a non-empty string'],
      [{ name: 42, email: 'a@example.com' }, 'name must be a non-empty string'],
      [{ name: 'Ada', email: 'not an email' }, 'email must be an email address'],
      [{ name: 'Ada', email: 'a@example.com', role: 'root' }, 'role must be one of: admin, member'],
      [{ name: 'Ada', email: 'a@example.com', admin: true }, 'property admin should not exist'],
    ];
    for (const [body, message] of cases) {
      const response = await a
        .http()
        .put('/users/1')
        .send(body as object)
        .expect(400);
      expect(response.body.message).toEqual([message]);
    }
    const badId = await a.http().get('/users/abc').expect(400);
    expect(badId.body.message).toBe('id must be a positive whole number');
    await a.http().put('/users/007').send({ name: 'James', email: 'j@example.com' }).expect(400);
    // Nothing was written.
    expect((await a.http().get('/users/1').expect(200)).body.name).toBe('Ada Lovelace');
  });

  it('caches GET /users with DelegatedCacheInterceptor; a PUT on A clears it on A and B', async () => {
    const first = await a.http().get('/users?offset=0&limit=100').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['x-cache-layer']).toBe('loader');
    expect((first.body as User[]).map((u) => u.id)).not.toContain('50');
    // The same query in another order is the same entry.
    const second = await a.http().get('/users?limit=100&offset=0').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['x-cache-layer']).toBe('memory');
    expect(second.body).toEqual(first.body);
    await b.http().get('/users?limit=100&offset=0').expect(200);
    expect((await b.http().get('/users?limit=100&offset=0').expect(200)).headers['x-cache']).toBe('HIT');

    await a.http().put('/users/50').send({ name: 'Barbara Liskov', email: 'liskov@example.com' }).expect(200);
    const afterWrite = await a.http().get('/users?limit=100&offset=0').expect(200);
    expect(afterWrite.headers['x-cache']).toBe('MISS');
    expect((afterWrite.body as User[]).map((u) => u.id)).toContain('50');
    // B's memory layer was emptied through the bus.
    await eventually(async () => {
      const fromB = await b.http().get('/users?limit=100&offset=0').expect(200);
      expect((fromB.body as User[]).map((u) => u.id)).toContain('50');
    });
    // A bad query is a 400 from the handler's pipe, and nothing is cached for it.
    await a.http().get('/users?limit=0').expect(400);
    await a.http().get('/users?limit=0').expect(400);
  });

  it("caches GET /users/stats with @nestjs/cache-manager's CacheInterceptor over the Keyv adapter", async () => {
    const http = a.app.get<DelegatedStore<string, unknown>>(getDelegatedStoreToken('http'));
    const first = await a.http().get('/users/stats').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await a.http().get('/users/stats').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    // CACHE_MANAGER's entry is in the HTTP cache store's memory layer, as Keyv wrote it.
    const memory = http.getLayer(0).store;
    expect(typeof (await memory.get('keyv:/users/stats'))).toBe('string');

    await a.http().put('/users/51').send({ name: 'Frances Allen', email: 'fran@example.com' }).expect(200);
    const afterWrite = await a.http().get('/users/stats').expect(200);
    expect(afterWrite.headers['x-cache']).toBe('MISS');
    expect(afterWrite.body.total).toBe(first.body.total + 1);
    // Never the user store: the HTTP cache has its own.
    expect(await a.store.get('keyv:/users/stats', { cachesOnly: true })).toBeUndefined();
  });

  it('logs each change of a user through onChange/onDelete: the key and the operation, never the values', async () => {
    const changesOf60 = () =>
      fixture.logger.messagesOf('UserStore').filter((message) => /^user:60 (changed|deleted) /.test(message));
    await a.http().put('/users/60').send({ name: 'Grace Hopper', email: 'grace@example.com' }).expect(200);
    expect(changesOf60()).toEqual([]); // a new user: nothing was replaced
    await a.http().put('/users/60').send({ name: 'Grace B. Hopper', email: 'gbh@example.com' }).expect(200);
    expect(changesOf60()).toEqual(['user:60 changed (set)']);
    await a.http().delete('/users/60').expect(204);
    expect(changesOf60()).toEqual(['user:60 changed (set)', 'user:60 deleted (delete)']);
    const logged = fixture.logger.messagesOf('UserStore').join('\n');
    expect(logged).not.toContain('Hopper');
    expect(logged).not.toContain('@example.com');
  });
}
