import type { SqlDatabase } from '../database/sql-database.js';
import type { User } from './user.js';

/** The same SQL runs on SQLite and PostgreSQL. */
const CREATE_USERS_TABLE = `
  CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`;

export const DEMO_USERS: readonly Omit<User, 'updatedAt'>[] = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', role: 'admin' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', role: 'member' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', role: 'member' },
];

/** Creates the table and the demo users 1, 2 and 3; idempotent, so every start may run it. */
export async function prepareUsersTable(db: SqlDatabase): Promise<void> {
  await db.execute(CREATE_USERS_TABLE);
  const now = new Date().toISOString();
  for (const user of DEMO_USERS) {
    await db.execute(
      `INSERT INTO users (id, name, email, role, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [user.id, user.name, user.email, user.role, now],
    );
  }
}
