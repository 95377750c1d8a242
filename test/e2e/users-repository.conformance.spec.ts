/**
 * The sample app's primary layer, UsersRepository (the users table), through the published conformance
 * suite, on SQLite and on PostgreSQL: how a typed SQL primary is checked. It holds only User rows under
 * `user:<id>` keys (so the suite gets key and value factories), keeps rows for good (no ttl), and shares
 * its table with the demo users (not isolated).
 */
import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeStoreConformance, type StoreConformanceOptions } from '../../lib/testing/index.js';
import { PostgresDatabase } from '../../sample-app/src/database/postgres-database.js';
import type { SqlDatabase } from '../../sample-app/src/database/sql-database.js';
import { SqliteDatabase } from '../../sample-app/src/database/sqlite-database.js';
import { userIdOf } from '../../sample-app/src/users/user-keys.js';
import type { User } from '../../sample-app/src/users/user.js';
import { UsersRepository } from '../../sample-app/src/users/users.repository.js';
import { DATABASE_URL, describeWithPostgres } from '../support/services.js';

const runner = { describe, it, beforeAll, afterAll, beforeEach, afterEach };

/** Ids far from the demo users' (1, 2, 3), random per run so that runs on one database never meet. */
const base = 1_000_000 + randomInt(1_000_000_000);

const options: StoreConformanceOptions<string, User> = {
  key: (n) => `user:${base + n}`,
  value: (key, variant) => ({
    id: userIdOf(key)!,
    name: `User ${variant}`,
    email: `user${variant}@example.com`,
    role: variant % 2 === 0 ? 'admin' : 'member',
    updatedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, variant)).toISOString(),
  }),
  // A database primary keeps rows for good: the suite passes no ttl.
  skip: ['ttl'],
  // The table holds the demo users too.
  isolated: false,
};

/** The repository over a database, its table created as the app's start creates it. */
async function repositoryOver(db: SqlDatabase, cleanup: () => Promise<void>) {
  const repository = new UsersRepository(db);
  await repository.onModuleInit();
  return {
    store: repository,
    cleanup: async () => {
      await db.close();
      await cleanup();
    },
  };
}

describeStoreConformance(
  'UsersRepository on SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'users-repository-conformance-'));
    return repositoryOver(new SqliteDatabase(join(dir, 'users.sqlite')), async () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  },
  options,
  runner,
);

describeWithPostgres('on PostgreSQL', () => {
  describeStoreConformance(
    'UsersRepository on PostgreSQL',
    async () => {
      const schema = `users_conformance_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const db = await PostgresDatabase.connect(DATABASE_URL, schema);
      return repositoryOver(db, async () => {
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
      });
    },
    options,
    runner,
  );
});
