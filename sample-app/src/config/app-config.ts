import { resolve } from 'node:path';

export type DatabaseConfig =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };

export interface RedisConfig {
  url: string;
  /** Namespace of the cache keys (`<prefix>:user:1`), so several apps can share one Redis. */
  prefix: string;
  /** Pub/Sub channel of the invalidation bus; the instances of one service share it. */
  channel: string;
  /** A Redis read slower than this counts as a miss: the database answers instead. */
  timeoutMs: number;
}

/** How long the user store's cache layers keep entries fresh, and serve them stale after that. */
export interface CacheConfig {
  memoryTtlMs: number;
  /** A stale entry is served at once and refreshed in the background; also while the database is down. */
  memoryGraceMs: number;
  redisTtlMs: number;
  redisGraceMs: number;
}

export const DEFAULT_CACHE_CONFIG: Readonly<CacheConfig> = Object.freeze({
  memoryTtlMs: 60_000,
  memoryGraceMs: 5 * 60_000,
  redisTtlMs: 60 * 60_000,
  redisGraceMs: 60 * 60_000,
});

export interface AppConfigValues {
  port: number;
  database: DatabaseConfig;
  /** Omitted: no Redis layer and no invalidation bus (memory → database only). */
  redis?: RedisConfig;
  /** Log the store's operations (keys, never values) at debug level. */
  debug: boolean;
  /** Omitted: DEFAULT_CACHE_CONFIG. */
  cache?: CacheConfig;
}

/** What `process.env` (or a test) may set; every field is optional. */
export type AppEnv = Partial<
  Record<
    | 'PORT'
    | 'SQLITE_FILE'
    | 'DATABASE_URL'
    | 'DATABASE_SCHEMA'
    | 'REDIS_URL'
    | 'REDIS_PREFIX'
    | 'REDIS_CHANNEL'
    | 'REDIS_TIMEOUT_MS'
    | 'CACHE_MEMORY_TTL_MS'
    | 'CACHE_MEMORY_GRACE_MS'
    | 'CACHE_REDIS_TTL_MS'
    | 'CACHE_REDIS_GRACE_MS'
    | 'LOG_LEVEL',
    string
  >
>;

/** Relative to the working directory; `*.sqlite` is git-ignored. */
export const DEFAULT_SQLITE_FILE = 'data/sample.sqlite';

/**
 * The configuration of one application instance. The class is its own injection token, and an instance
 * is passed to `AppModule.forRoot(config)`: nothing is read from `process.env` after start, so two
 * instances with different configurations can run in one process (the e2e tests do).
 */
export class AppConfig implements AppConfigValues {
  readonly port: number;
  readonly database: DatabaseConfig;
  readonly redis?: RedisConfig;
  readonly debug: boolean;
  readonly cache: CacheConfig;

  constructor(values: AppConfigValues) {
    this.port = values.port;
    this.database = values.database;
    this.redis = values.redis;
    this.debug = values.debug;
    this.cache = values.cache ?? DEFAULT_CACHE_CONFIG;
  }

  /** Reads the environment; throws an Error naming the variable for a value that makes no sense. */
  static fromEnv(env: AppEnv): AppConfig {
    const database: DatabaseConfig = env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, schema: schemaName(env.DATABASE_SCHEMA ?? 'public') }
      : { kind: 'sqlite', file: resolve(env.SQLITE_FILE || DEFAULT_SQLITE_FILE) };
    const redis: RedisConfig | undefined = env.REDIS_URL
      ? {
          url: env.REDIS_URL,
          prefix: env.REDIS_PREFIX || 'sample-app',
          channel: env.REDIS_CHANNEL || 'sample-app:invalidation',
          timeoutMs: wholeNumber('REDIS_TIMEOUT_MS', env.REDIS_TIMEOUT_MS ?? '250', 1, 60_000),
        }
      : undefined;
    const ms = (name: keyof AppEnv, fallback: number) =>
      wholeNumber(name, env[name] ?? String(fallback), 1, 30 * 24 * 3_600_000);
    return new AppConfig({
      port: wholeNumber('PORT', env.PORT ?? '3000', 0, 65_535),
      database,
      redis,
      debug: env.LOG_LEVEL === 'debug',
      cache: {
        memoryTtlMs: ms('CACHE_MEMORY_TTL_MS', DEFAULT_CACHE_CONFIG.memoryTtlMs),
        memoryGraceMs: ms('CACHE_MEMORY_GRACE_MS', DEFAULT_CACHE_CONFIG.memoryGraceMs),
        redisTtlMs: ms('CACHE_REDIS_TTL_MS', DEFAULT_CACHE_CONFIG.redisTtlMs),
        redisGraceMs: ms('CACHE_REDIS_GRACE_MS', DEFAULT_CACHE_CONFIG.redisGraceMs),
      },
    });
  }
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Interpolated into SQL as an identifier, so only plain names are accepted. */
function schemaName(text: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(text)) {
    throw new Error(
      `DATABASE_SCHEMA must be a lower-case SQL name ([a-z_][a-z0-9_]*), got ${JSON.stringify(text)}`,
    );
  }
  return text;
}
