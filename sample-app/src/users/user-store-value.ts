import type { UserSummary } from './user-summary.js';
import type { User } from './user.js';
import type { UserView } from './user-views.js';

/** Everything the user store holds: users (`user:<id>`), their views and their summaries. */
export type UserStoreValue = User | UserView | UserSummary;
