/**
 * A Store of your own: key-value rows in a SQLite table (better-sqlite3), values as JSON, with a ttl
 * and the optional methods the core uses when a layer has them. docs/layers.md ("Writing your own
 * store") shows it; sqlite-store.test.ts beside it runs the conformance suite against it.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Store, ValueWithExpiry } from 'nestjs-delegated-store';

interface Row {
  key: string;
  value: string;
  expires_at: number | null;
}

/** How many keys one query of `keys()` reads. */
const PAGE = 100;

export class SqliteStore<V> implements Store<string, V> {
  readonly #db: Database;
  readonly #select: Statement<[string, number], Row>;
  readonly #selectMany: Statement<[string, number], Row>;
  readonly #upsert: Statement<[string, string, number | null]>;
  readonly #delete: Statement<[string]>;
  readonly #clear: Statement<[]>;
  readonly #page: Statement<[string, number, number], { key: string }>;

  /** `table` is a plain SQL name: it is written into the statements. */
  constructor(db: Database, table = 'kv') {
    if (!/^[A-Za-z_]\w*$/.test(table)) {
      throw new TypeError(`SqliteStore: table must be a plain SQL name, got ${JSON.stringify(table)}`);
    }
    this.#db = db;
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)`,
    );
    // A row whose expires_at has passed is a miss everywhere: every read filters on it.
    const live = '(expires_at IS NULL OR expires_at > ?)';
    this.#select = db.prepare(`SELECT key, value, expires_at FROM ${table} WHERE key = ? AND ${live}`);
    // json_each: one statement for any number of keys, none included (no `IN ()` to build).
    this.#selectMany = db.prepare(
      `SELECT key, value, expires_at FROM ${table} WHERE key IN (SELECT value FROM json_each(?)) AND ${live}`,
    );
    this.#upsert = db.prepare(
      `INSERT INTO ${table} (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    );
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE key = ?`);
    this.#clear = db.prepare(`DELETE FROM ${table}`);
    this.#page = db.prepare(`SELECT key FROM ${table} WHERE key > ? AND ${live} ORDER BY key LIMIT ?`);
  }

  async get(key: string): Promise<V | undefined> {
    const row = this.#select.get(key, Date.now());
    return row === undefined ? undefined : (JSON.parse(row.value) as V);
  }

  /** `ttl` in ms; without one the row never expires (and a row's earlier ttl is dropped). */
  async set(key: string, value: V, ttl?: number): Promise<void> {
    this.#upsert.run(key, JSON.stringify(value), ttl === undefined ? null : Date.now() + ttl);
  }

  async delete(key: string): Promise<void> {
    this.#delete.run(key);
  }

  /** One query for the whole batch; the answer in the order asked, duplicates included. */
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    const rows = this.#selectMany.all(JSON.stringify(keys), Date.now());
    const found = new Map(rows.map((row) => [row.key, JSON.parse(row.value) as V]));
    return keys.map((key) => found.get(key));
  }

  /** So that a copy backfilled from this layer never outlives the row. */
  async getWithExpiry(key: string): Promise<ValueWithExpiry<V> | undefined> {
    const row = this.#select.get(key, Date.now());
    if (row === undefined) return undefined;
    const value = JSON.parse(row.value) as V;
    return row.expires_at === null ? { value } : { value, expiresAt: row.expires_at };
  }

  async has(key: string): Promise<boolean> {
    return this.#select.get(key, Date.now()) !== undefined;
  }

  /** The read and the write in one transaction: concurrent swaps take turns. */
  async getSet(key: string, value: V, ttl?: number): Promise<V | undefined> {
    return this.#db.transaction(() => {
      const now = Date.now();
      const row = this.#select.get(key, now);
      this.#upsert.run(key, JSON.stringify(value), ttl === undefined ? null : now + ttl);
      return row === undefined ? undefined : (JSON.parse(row.value) as V);
    })();
  }

  /** Empties the table: give the store a table of its own. */
  async clear(): Promise<void> {
    this.#clear.run();
  }

  /** A page at a time, after the last key seen: no statement stays open while the caller works. */
  async *keys(): AsyncGenerator<string> {
    let after = '';
    for (;;) {
      const page = this.#page.all(after, Date.now(), PAGE);
      for (const { key } of page) yield key;
      if (page.length < PAGE) return;
      after = page[page.length - 1].key;
    }
  }
}
