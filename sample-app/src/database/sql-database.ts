import type { OnApplicationShutdown } from '@nestjs/common';

/**
 * The few things the sample needs from a SQL database, so that the users table runs on SQLite or on
 * PostgreSQL. SQL is written in PostgreSQL's dialect with `$1, $2…` placeholders; the SQLite
 * implementation binds them by name. The class is its own injection token.
 */
export abstract class SqlDatabase implements OnApplicationShutdown {
  /** Where the data lives, for the start-up log (no password). */
  abstract readonly description: string;

  abstract query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;

  /** Runs a statement; resolves the number of rows it changed. */
  abstract execute(sql: string, params?: readonly unknown[]): Promise<number>;

  abstract close(): Promise<void>;

  /**
   * Closed in the last shutdown phase. This module is imported (through the users' storage) by the
   * store's module, so Nest runs this hook after the store closed and wrote what was in flight.
   */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
