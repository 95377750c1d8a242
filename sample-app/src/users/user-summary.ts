import type { User } from './user.js';

/** What `GET /users/:id/summary` answers: computed from the user, cached by @DelegatedCached. */
export interface UserSummary {
  kind: 'summary';
  id: string;
  headline: string;
  emailDomain: string;
  /** When it was computed: two answers with one `generatedAt` came from the cache. */
  generatedAt: string;
}

export function summarizeUser(user: User): UserSummary {
  return {
    kind: 'summary',
    id: user.id,
    headline: `${user.name} (${user.role})`,
    emailDomain: user.email.slice(user.email.lastIndexOf('@') + 1),
    generatedAt: new Date().toISOString(),
  };
}
