import type { UserRole } from './user.js';

/** What `GET /users/stats` answers: counted in the database, cached by @nestjs/cache-manager. */
export interface UserStats {
  total: number;
  byRole: Partial<Record<UserRole, number>>;
  /** When it was counted: two answers with one `countedAt` came from the cache. */
  countedAt: string;
}
