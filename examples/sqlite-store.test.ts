import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { describeStoreConformance } from 'nestjs-delegated-store/testing';
import { SqliteStore } from './sqlite-store.js';

describeStoreConformance(
  'SqliteStore',
  () => {
    const db = new Database(':memory:');
    return { store: new SqliteStore<unknown>(db), cleanup: () => db.close() };
  },
  {
    // The table is the store's own: clear() may run, and keys() must yield exactly what was written.
    isolated: true,
    // What it implements must be checked, and fail if it goes missing.
    require: ['getMany', 'getWithExpiry', 'has', 'getSet', 'clear', 'keys'],
  },
  { describe, it, beforeAll, afterAll, beforeEach, afterEach },
);
