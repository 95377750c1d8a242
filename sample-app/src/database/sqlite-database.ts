import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqlDatabase } from './sql-database.js';

/** A SQLite file through better-sqlite3 (synchronous calls, wrapped in promises). */
export class SqliteDatabase extends SqlDatabase {
  readonly description: string;
  readonly #db: Database.Database;

  constructor(file: string) {
    super();
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    // WAL lets several connections (several instances in one process, or a sqlite3 shell) read while one writes.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.description = `SQLite ${file}`;
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#db.prepare(sql).all(...bind(params)) as Row[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#db.prepare(sql).run(...bind(params)).changes;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

/** SQLite reads `$1` as a parameter named "1": bind `{ 1: first, 2: second, … }`. */
function bind(params: readonly unknown[]): [Record<number, unknown>] | [] {
  return params.length === 0 ? [] : [Object.fromEntries(params.map((value, index) => [index + 1, value]))];
}
