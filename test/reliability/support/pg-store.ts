import pg from 'pg';
import type { Store } from '../../../lib/index.js';

/**
 * A primary layer on PostgreSQL for fault tests: one `k text primary key, v text` table, read and written
 * through a `pg.Pool`. The pool replaces a connection that the server dropped; a query that was running on
 * it rejects (e.g. 57P01 after `pg_terminate_backend`). Every connection carries `application_name`, so
 * that a test can drop exactly its own connections and nobody else's.
 */
export class PgStore implements Store<string, string> {
  readonly pool: pg.Pool;
  readonly #table: string;
  /** Errors the pool reported for idle connections that the server dropped (kind → count). */
  readonly idleErrors = new Map<string, number>();

  constructor(options: { url: string; schema: string; applicationName: string; max?: number }) {
    this.#table = `"${options.schema}".kv`;
    this.pool = new pg.Pool({
      connectionString: options.url,
      application_name: options.applicationName,
      max: options.max ?? 4,
      connectionTimeoutMillis: 2000,
    });
    // Without a listener, an idle connection that the server terminates crashes the process.
    this.pool.on('error', (error) => {
      const kind = errorKind(error);
      this.idleErrors.set(kind, (this.idleErrors.get(kind) ?? 0) + 1);
    });
  }

  async createTable(): Promise<void> {
    await this.pool.query(`CREATE TABLE ${this.#table} (k text PRIMARY KEY, v text NOT NULL)`);
  }

  async get(key: string): Promise<string | undefined> {
    const result = await this.pool.query<{ v: string }>(`SELECT v FROM ${this.#table} WHERE k = $1`, [key]);
    return result.rows[0]?.v;
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    const result = await this.pool.query<{ k: string; v: string }>(
      `SELECT k, v FROM ${this.#table} WHERE k = ANY($1::text[])`,
      [keys],
    );
    const found = new Map(result.rows.map((row) => [row.k, row.v]));
    return keys.map((key) => found.get(key));
  }

  async set(key: string, value: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.#table} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`,
      [key, value],
    );
  }

  async delete(key: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.#table} WHERE k = $1`, [key]);
  }

  /** Every row, read directly (not through a store). */
  async all(): Promise<Map<string, string>> {
    const result = await this.pool.query<{ k: string; v: string }>(`SELECT k, v FROM ${this.#table}`);
    return new Map(result.rows.map((row) => [row.k, row.v]));
  }

  /** The pool is ended by the test, after the store that uses this layer was closed. */
  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** `ErrorClass CODE` (code when the error has one): how errors are counted in the reports. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${typeof error}`;
  const code = (error as { code?: unknown }).code;
  return code === undefined ? error.constructor.name : `${error.constructor.name} ${String(code)}`;
}
