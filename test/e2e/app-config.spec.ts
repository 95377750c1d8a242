import { describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { AppConfig, DEFAULT_SQLITE_FILE } from '../../sample-app/src/config/app-config.js';

describe('AppConfig.fromEnv', () => {
  it("defaults to port 3000, a SQLite file under ./data, no Redis, and the cache layers' ttl and grace", () => {
    const config = AppConfig.fromEnv({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'sqlite', file: resolve(DEFAULT_SQLITE_FILE) });
    expect(config.redis).toBeUndefined();
    expect(config.debug).toBe(false);
    // The user store's layers: memory fresh 1 min then stale for 5 min, Redis fresh 1 h then stale for 1 h.
    expect(config.cache).toEqual({
      memoryTtlMs: 60_000,
      memoryGraceMs: 300_000,
      redisTtlMs: 3_600_000,
      redisGraceMs: 3_600_000,
    });
    expect(AppConfig.fromEnv({ CACHE_MEMORY_GRACE_MS: '1000' }).cache.memoryGraceMs).toBe(1000);
  });

  it('uses PostgreSQL with DATABASE_URL, in the public schema unless DATABASE_SCHEMA says otherwise', () => {
    const url = 'postgres://app@db:5432/users';
    expect(AppConfig.fromEnv({ DATABASE_URL: url }).database).toEqual({
      kind: 'postgres',
      url,
      schema: 'public',
    });
    expect(AppConfig.fromEnv({ DATABASE_URL: url, DATABASE_SCHEMA: 'run_42' }).database).toMatchObject({
      schema: 'run_42',
    });
  });

  it('adds Redis with REDIS_URL, with a default prefix, channel and timeout', () => {
    expect(AppConfig.fromEnv({ REDIS_URL: 'redis://cache:6379' }).redis).toEqual({
      url: 'redis://cache:6379',
      prefix: 'sample-app',
      channel: 'sample-app:invalidation',
      timeoutMs: 250,
    });
  });

  it('names the variable of a value that makes no sense', () => {
    expect(() => AppConfig.fromEnv({ PORT: 'http' })).toThrow('PORT must be a whole number from 0 to 65535');
    expect(() => AppConfig.fromEnv({ PORT: '70000' })).toThrow(/^PORT/);
    expect(() => AppConfig.fromEnv({ REDIS_URL: 'redis://x', REDIS_TIMEOUT_MS: '0' })).toThrow(
      /^REDIS_TIMEOUT_MS/,
    );
    expect(() => AppConfig.fromEnv({ DATABASE_URL: 'postgres://x', DATABASE_SCHEMA: 'x"; DROP' })).toThrow(
      /^DATABASE_SCHEMA/,
    );
  });
});
