import pg from 'pg';
import { SqlDatabase } from './sql-database.js';

/** PostgreSQL through a `pg` pool whose connections all work in one schema (created when missing). */
export class PostgresDatabase extends SqlDatabase {
  readonly description: string;
  readonly #pool: pg.Pool;
  #closing: Promise<void> | undefined;

  private constructor(pool: pg.Pool, description: string) {
    super();
    this.#pool = pool;
    this.description = description;
  }

  /** `schema` must be a plain SQL name (AppConfig checks it): it is interpolated as an identifier. */
  static async connect(url: string, schema: string): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 5 });
    // An idle connection that the server dropped (a restart, an outage) is discarded by the pool, and the
    // next query opens a new one; without a listener, the pool's 'error' event would end the process.
    pool.on('error', () => {});
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (error) {
      await pool.end();
      throw error;
    }
    const { host, pathname } = new URL(url);
    return new PostgresDatabase(pool, `PostgreSQL ${host}${pathname} (schema ${schema})`);
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.#pool.query(sql, [...params]);
    return result.rows as Row[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.#pool.query(sql, [...params]);
    return result.rowCount ?? 0;
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }
}
