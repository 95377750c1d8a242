// Compiled by `tsc --noEmit` (never run): the ways a RedisStore and a RedisInvalidationBus reach Redis.
import { Cluster, Redis } from 'ioredis';
import { DelegatedStore } from '../../lib/index.js';
import { RedisInvalidationBus, RedisStore, type RedisClient } from '../../lib/redis/index.js';

export function connections(): void {
  const nodes = [{ host: '127.0.0.1', port: 7000 }];
  const sentinels = [{ host: '127.0.0.1', port: 26379 }];

  new RedisStore<string>({ url: 'redis://127.0.0.1:6379', prefix: 'users' });
  new RedisStore<string>({ client: new Redis({ lazyConnect: true }) });
  new RedisStore<string>({ client: new Cluster(nodes, { lazyConnect: true }) });
  new RedisStore<string>({ cluster: { nodes, options: { scaleReads: 'master' } }, prefix: 'users' });
  new RedisStore<string>({ redisOptions: { sentinels, name: 'mymaster' } });
  const client: RedisClient = new RedisStore<string>().client;
  void client;

  new RedisInvalidationBus({ url: 'redis://127.0.0.1:6379' });
  new RedisInvalidationBus({ url: 'rediss://127.0.0.1:6380', channel: 'users', redisOptions: { tls: {} } });
  new RedisInvalidationBus({ redisOptions: { sentinels, name: 'mymaster' } });
  new RedisInvalidationBus({ cluster: { nodes }, sharded: false });
  new RedisInvalidationBus({ client: new Cluster(nodes), channel: 'users' });

  // A store built on them, with the types flowing.
  const store = new DelegatedStore<string, { id: string }>([
    { store: new RedisStore<{ id: string }>({ cluster: { nodes }, prefix: 'users' }), primary: true },
  ]);
  void store;

  // @ts-expect-error a bus must be told where Redis is
  new RedisInvalidationBus({});
  // @ts-expect-error one way to reach Redis, not two
  new RedisInvalidationBus({ url: 'redis://127.0.0.1:6379', cluster: { nodes } });
  // @ts-expect-error a client brings its own options
  new RedisInvalidationBus({ client: new Redis(), redisOptions: {} });
  // @ts-expect-error sharded is true, false or 'auto'
  new RedisInvalidationBus({ url: 'redis://127.0.0.1:6379', sharded: 'yes' });
  // @ts-expect-error a RedisStore's client is an ioredis Redis or Cluster
  new RedisStore({ client: 'redis://127.0.0.1:6379' });
  // @ts-expect-error cluster options need their nodes
  new RedisStore({ cluster: { options: {} } });
}
