import type { User } from './user.js';

/**
 * The views a client usually asks for right after the user: the preheat callback derives them from the
 * user row as soon as the row is back-filled, and stores them under `user:<kind>:<id>`.
 */
export const USER_VIEW_KINDS = ['profile', 'settings', 'permissions'] as const;
export type UserViewKind = (typeof USER_VIEW_KINDS)[number];

/** What other users may see: no email. */
export interface UserProfile {
  kind: 'profile';
  id: string;
  displayName: string;
  initials: string;
}

/** The user's preferences; the sample has no table for them, so they are the defaults. */
export interface UserSettings {
  kind: 'settings';
  id: string;
  notificationEmail: string;
  locale: string;
}

/** What the user may do, from the role. */
export interface UserPermissions {
  kind: 'permissions';
  id: string;
  role: User['role'];
  permissions: string[];
}

export type UserView = UserProfile | UserSettings | UserPermissions;

const PERMISSIONS_BY_ROLE: Record<User['role'], string[]> = {
  admin: ['users:read', 'users:write', 'users:delete'],
  member: ['users:read'],
};

export function deriveUserView(kind: UserViewKind, user: User): UserView {
  switch (kind) {
    case 'profile':
      return { kind, id: user.id, displayName: user.name, initials: initialsOf(user.name) };
    case 'settings':
      return { kind, id: user.id, notificationEmail: user.email, locale: 'en' };
    case 'permissions':
      return { kind, id: user.id, role: user.role, permissions: [...PERMISSIONS_BY_ROLE[user.role]] };
  }
}

function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join('');
}
