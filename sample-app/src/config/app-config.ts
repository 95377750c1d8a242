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

export interface AppConfigValues {
  port: number;
  database: DatabaseConfig;
  /** Omitted: no Redis layer and no invalidation bus (memory → database only). */
  redis?: RedisConfig;
  /** Log the store's operations (keys, never values) at debug level. */
  debug: boolean;
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

  constructor(values: AppConfigValues) {
    this.port = values.port;
    this.database = values.database;
    this.redis = values.redis;
    this.debug = values.debug;
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
    return new AppConfig({
      port: wholeNumber('PORT', env.PORT ?? '3000', 0, 65_535),
      database,
      redis,
      debug: env.LOG_LEVEL === 'debug',
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
