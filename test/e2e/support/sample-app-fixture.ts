import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import Database from 'better-sqlite3';
import pg from 'pg';
import request from 'supertest';
import { DelegatedStore } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis/index.js';
import { AppModule } from '../../../sample-app/src/app.module.js';
import { AppConfig, type AppEnv } from '../../../sample-app/src/config/app-config.js';
import { UserPreheater } from '../../../sample-app/src/users/store/user-preheater.js';
import type { UserStoreValue } from '../../../sample-app/src/users/user-store-value.js';
import { UsersRepository } from '../../../sample-app/src/users/users.repository.js';
import { DATABASE_URL, REDIS_URL } from '../../support/services.js';
import { RecordingNestLogger } from './recording-nest-logger.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** One started instance of the sample app, with handles on what the tests look into. */
export interface RunningApp {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  store: DelegatedStore<string, UserStoreValue>;
  repository: UsersRepository;
  /** Waits for the preheats and backfills in flight: after it, the layers hold what they will hold. */
  settle: () => Promise<void>;
  /** The Prometheus text of `/metrics`. */
  metrics: () => Promise<string>;
}

/**
 * The resources of one test run: a temporary SQLite file or a fresh PostgreSQL schema, and (with Redis)
 * a Redis prefix and a bus channel of its own, so that runs never see each other's data. Every instance
 * started shares them, like the instances of one deployment. `close()` closes the instances and removes
 * the run's data (never anything else: the shared Redis is not flushed).
 */
export class SampleAppFixture {
  readonly env: AppEnv;
  readonly redisPrefix: string | undefined;
  /** What every instance logged (all levels); only errors and warnings are printed. */
  readonly logger = new RecordingNestLogger();
  /** With `databaseProxy`: the proxy the app reaches PostgreSQL through, to stop the database and start it. */
  databaseProxy: TcpProxy | undefined;
  readonly #apps: INestApplication[] = [];
  readonly #cleanups: Array<() => Promise<void>> = [];

  private constructor(env: AppEnv, redisPrefix: string | undefined) {
    this.env = env;
    this.redisPrefix = redisPrefix;
  }

  /** `databaseProxy`: PostgreSQL only, the app connects through a TcpProxy (see `databaseProxy`). */
  static async create(
    database: DatabaseKind,
    options: { redis: boolean; databaseProxy?: boolean },
  ): Promise<SampleAppFixture> {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    const env: AppEnv = { PORT: '0' };
    const cleanups: Array<() => Promise<void>> = [];
    if (database === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'sample-app-e2e-'));
      env.SQLITE_FILE = join(dir, 'users.sqlite');
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    } else {
      const schema = `sample_app_e2e_${id}`;
      env.DATABASE_URL = DATABASE_URL;
      env.DATABASE_SCHEMA = schema;
      cleanups.push(() => dropSchema(schema));
    }
    let proxy: TcpProxy | undefined;
    if (options.databaseProxy && database === 'postgres') {
      const { hostname, port } = new URL(DATABASE_URL);
      proxy = await TcpProxy.start(hostname, Number(port || 5432));
      env.DATABASE_URL = proxy.rewrite(DATABASE_URL);
      cleanups.push(() => proxy!.stop());
    }
    let prefix: string | undefined;
    if (options.redis) {
      prefix = `sample-app-e2e-${id}`;
      env.REDIS_URL = REDIS_URL;
      env.REDIS_PREFIX = prefix;
      env.REDIS_CHANNEL = `sample-app-e2e:${id}:invalidation`;
      cleanups.push(() => deleteRedisKeys(`${prefix}:*`));
    }
    const fixture = new SampleAppFixture(env, prefix);
    fixture.databaseProxy = proxy;
    fixture.#cleanups.push(...cleanups);
    return fixture;
  }

  /** Starts one more instance on the run's database and Redis. */
  async start(): Promise<RunningApp> {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(AppConfig.fromEnv(this.env))],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: this.logger });
    this.#apps.push(app);
    await app.init();
    const preheater = app.get(UserPreheater);
    return {
      app,
      http: () => request(app.getHttpServer()),
      store: app.get<DelegatedStore<string, UserStoreValue>>(DelegatedStore),
      repository: app.get(UsersRepository),
      settle: () => preheater.idle(),
      metrics: async () => (await request(app.getHttpServer()).get('/metrics').expect(200)).text,
    };
  }

  /** Reads the run's Redis layer directly, as another process would. */
  async readRedis(key: string): Promise<UserStoreValue | undefined> {
    const store = new RedisStore<UserStoreValue>({ url: REDIS_URL, prefix: this.redisPrefix });
    try {
      return await store.get(key);
    } finally {
      await store.close();
    }
  }

  /**
   * Runs a statement on the run's database directly, as an operator would (e.g. to take the users table
   * away and bring it back, so that the app's database reads fail as in an outage).
   */
  async sql(statement: string): Promise<void> {
    if (this.env.DATABASE_URL) {
      const client = new pg.Client({
        connectionString: DATABASE_URL, // never through the proxy: the operator reaches the server
        options: `-c search_path=${this.env.DATABASE_SCHEMA}`,
      });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
      return;
    }
    const db = new Database(this.env.SQLITE_FILE!);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#apps.map((app) => app.close()));
    for (const cleanup of this.#cleanups) await cleanup();
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/** The value of one sample of a Prometheus text, e.g. `metric(text, 'x_total{layer="memory"}')`; 0 when absent. */
export function metric(text: string, sample: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return 0;
}

/** Retries an assertion until it passes: the invalidation bus delivers to the other instances asynchronously. */
export { eventually } from '../../support/eventually.js';
