/**
 * The conformance suite as a user runs it: from the installed tarball, under node:test
 * (`node --test dist/conformance.test.js` in the scratch app of the pack test), against a shipped store
 * and a typed store of the user's own.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { MemoryStore, type Store } from 'nestjs-delegated-store';
import { describeStoreConformance } from 'nestjs-delegated-store/testing';

const runner = { describe, it, before, after, beforeEach, afterEach };

describeStoreConformance(
  'MemoryStore',
  () => new MemoryStore<string, unknown>(),
  { isolated: true, require: ['getMany', 'setMany', 'deleteMany', 'getWithExpiry', 'has', 'clear', 'keys'] },
  runner,
);

interface User {
  id: string;
  name: string;
}

/** A users table: only `user:<id>` keys and rows whose id is the key's; no ttl. */
class UserTable implements Store<string, User> {
  readonly rows = new Map<string, User>();
  async get(key: string) {
    const row = this.rows.get(key);
    return row && { ...row };
  }
  async set(key: string, user: User) {
    if (key !== `user:${user.id}`) throw new TypeError(`${key} is not the key of user ${user.id}`);
    this.rows.set(key, { ...user });
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

describeStoreConformance(
  'UserTable',
  () => new UserTable(),
  {
    key: (n) => `user:${n}`,
    value: (key, variant) => ({ id: key.slice('user:'.length), name: `User ${variant}` }),
    skip: ['ttl'],
  },
  runner,
);
