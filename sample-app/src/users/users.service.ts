import { Injectable, NotFoundException } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
// Value imports: both are injected by their class (emitDecoratorMetadata).
import {
  DelegatedCached,
  DelegatedEvict,
  DelegatedStore,
  type OperationOptions,
} from '../../../lib/index.js';
import { ResponseCache } from '../http-cache/response-cache.js';
import type { UserBody } from './user.body.js';
import { userKey, userSummaryKey, userViewKey } from './user-keys.js';
import type { UserStoreValue } from './user-store-value.js';
import { summarizeUser, type UserSummary } from './user-summary.js';
import { USER_VIEW_KINDS, deriveUserView, type UserView, type UserViewKind } from './user-views.js';
import type { User } from './user.js';
import type { UserStats } from './user-stats.js';
import { UsersRepository } from './users.repository.js';

/**
 * Tells the caller which layer answered a read (`memory`, `redis`, `database`, or `loader`), and whether
 * the value was stale (past its ttl, within the layer's grace, being refreshed in the background).
 */
export type ServedBy = NonNullable<OperationOptions['onServed']>;

/** Every read and write goes through the user store; the database is its last layer. */
@Injectable()
export class UsersService {
  readonly #summaries: Counter;

  constructor(
    private readonly store: DelegatedStore<string, UserStoreValue>,
    registry: Registry,
    private readonly repository: UsersRepository,
    private readonly responses: ResponseCache,
  ) {
    this.#summaries = new Counter({
      name: 'user_summaries_computed_total',
      help: 'Summaries computed; the ones served from the cache are not counted',
      registers: [registry],
    });
  }

  async findOne(id: string, servedBy?: ServedBy): Promise<User> {
    const user = await this.store.get(userKey(id), { onServed: servedBy });
    if (user === undefined) throw new NotFoundException(`user ${id} not found`);
    return user as User;
  }

  /** A view of the user: usually preheated into the cache when the user was read, else derived now. */
  async view(id: string, kind: UserViewKind, servedBy?: ServedBy): Promise<UserView> {
    const view = await this.store.getOrLoad(
      userViewKey(kind, id),
      async () => {
        const user = (await this.store.get(userKey(id))) as User | undefined;
        return user && deriveUserView(kind, user);
      },
      { onServed: servedBy },
    );
    if (view === undefined) throw new NotFoundException(`user ${id} not found`);
    return view as UserView;
  }

  @DelegatedCached({ key: (id: string) => userSummaryKey(id) })
  async summary(id: string): Promise<UserSummary> {
    const summary = summarizeUser(await this.findOne(id));
    this.#summaries.inc();
    return summary;
  }

  /** A page of users, read from the database (`GET /users` caches it in the HTTP cache store). */
  list(limit = 20, offset = 0): Promise<User[]> {
    return this.repository.list(limit, offset);
  }

  /** Users per role, counted in the database (`GET /users/stats` caches it through @nestjs/cache-manager). */
  async stats(): Promise<UserStats> {
    const counts = await this.repository.countByRole();
    return {
      total: counts.reduce((sum, { count }) => sum + count, 0),
      byRole: Object.fromEntries(counts.map(({ role, count }) => [role, count])),
      countedAt: new Date().toISOString(),
    };
  }

  /** Creates or replaces the user. The summary is evicted once the write succeeded; so are the views. */
  @DelegatedEvict({ key: (id: string) => userSummaryKey(id) })
  async save(id: string, body: UserBody): Promise<User> {
    const user: User = {
      id,
      name: body.name,
      email: body.email,
      role: body.role ?? 'member',
      updatedAt: new Date().toISOString(),
    };
    await this.store.set(userKey(id), user);
    await this.#evictViews(id);
    await this.responses.invalidateAll();
    return user;
  }

  @DelegatedEvict({ key: (id: string) => userSummaryKey(id) })
  async remove(id: string): Promise<void> {
    // The 404 comes from the store too: a user cached in memory still counts as existing.
    await this.findOne(id);
    await this.store.delete(userKey(id));
    await this.#evictViews(id);
    await this.responses.invalidateAll();
  }

  /**
   * The views are derived from the user: a write makes them stale. They live in the cache layers only, so
   * they are invalidated there (one fenced write of the caches), never deleted from the database.
   */
  async #evictViews(id: string): Promise<void> {
    await this.store.invalidate(USER_VIEW_KINDS.map((kind) => userViewKey(kind, id)));
  }
}
