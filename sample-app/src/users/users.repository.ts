import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Store } from '../../../lib/index.js';
import { SqlDatabase } from '../database/sql-database.js';
import { userIdOf } from './user-keys.js';
import type { User, UserRole } from './user.js';
import { prepareUsersTable } from './users.schema.js';

interface UserRow {
  id: string;
  name: string;
  email: string;
  role: string;
  updated_at: string;
}

/**
 * The users table as the store's primary layer: a `Store<string, User>` over the keys `user:<id>`.
 * The store also holds derived entries (views, summaries) in its cache layers only; for their keys this
 * layer is a miss, and deleting them here is a no-op. It has no ttl: the database keeps rows forever.
 */
@Injectable()
export class UsersRepository implements Store<string, User>, OnModuleInit {
  constructor(private readonly db: SqlDatabase) {}

  onModuleInit(): Promise<void> {
    return prepareUsersTable(this.db);
  }

  async get(key: string): Promise<User | undefined> {
    const id = userIdOf(key);
    if (id === undefined) return undefined;
    const rows = await this.db.query<UserRow>(
      'SELECT id, name, email, role, updated_at FROM users WHERE id = $1',
      [id],
    );
    return rows.length === 0 ? undefined : toUser(rows[0]);
  }

  async set(key: string, user: User): Promise<void> {
    const id = userIdOf(key);
    // Only users belong in the table: anything else reaching it is a bug of the caller, so say so.
    if (id === undefined || user?.id !== id) {
      throw new TypeError(`UsersRepository.set: ${key} is not the key of the user given (user:<id>)`);
    }
    await this.db.execute(
      `INSERT INTO users (id, name, email, role, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET
         name = excluded.name, email = excluded.email, role = excluded.role, updated_at = excluded.updated_at`,
      [id, user.name, user.email, user.role, user.updatedAt],
    );
  }

  async delete(key: string): Promise<void> {
    const id = userIdOf(key);
    if (id === undefined) return;
    await this.db.execute('DELETE FROM users WHERE id = $1', [id]);
  }

  /** A page of users in id order (ids are numbers written as text: shorter first, then by text). */
  async list(limit: number, offset: number): Promise<User[]> {
    const rows = await this.db.query<UserRow>(
      'SELECT id, name, email, role, updated_at FROM users ORDER BY length(id), id LIMIT $1 OFFSET $2',
      [limit, offset],
    );
    return rows.map(toUser);
  }

  /** How many users have each role. */
  async countByRole(): Promise<Array<{ role: UserRole; count: number }>> {
    const rows = await this.db.query<{ role: string; count: number | string }>(
      'SELECT role, COUNT(*) AS count FROM users GROUP BY role ORDER BY role',
    );
    return rows.map((row) => ({ role: row.role as UserRole, count: Number(row.count) }));
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role as UserRole,
    updatedAt: row.updated_at,
  };
}
