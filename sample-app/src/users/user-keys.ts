import type { UserViewKind } from './user-views.js';

/**
 * The keys of the user store. Only `user:<id>` lives in the database; the other keys are derived
 * entries that only the cache layers hold.
 */
export const userKey = (id: string): string => `user:${id}`;
export const userViewKey = (kind: UserViewKind, id: string): string => `user:${kind}:${id}`;
export const userSummaryKey = (id: string): string => `user:summary:${id}`;

const USER_KEY = /^user:([1-9]\d*)$/;

/** The id of a `user:<id>` key exactly; `undefined` for every other key (the derived ones included). */
export function userIdOf(key: string): string | undefined {
  return USER_KEY.exec(key)?.[1];
}

/** The family of a key, a bounded label for metrics: `user`, `profile`, `settings`, `summary`… */
export function keyFamily(key: string): string {
  if (userIdOf(key) !== undefined) return 'user';
  const match = /^user:([a-z]+):[1-9]\d*$/.exec(key);
  return match ? match[1] : 'other';
}
