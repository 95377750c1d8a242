export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A row of the users table, as the API returns it. */
export interface User {
  /** A positive whole number, as a string: `"1"`. */
  id: string;
  name: string;
  email: string;
  role: UserRole;
  /** ISO 8601, set by every write. */
  updatedAt: string;
}
