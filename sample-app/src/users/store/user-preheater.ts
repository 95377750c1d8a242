import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
// A value import: the store is injected by its class (emitDecoratorMetadata).
import { DelegatedStore, StoreClosedError, type BackFillCallback } from '../../../../lib/index.js';
import { userIdOf, userViewKey } from '../user-keys.js';
import type { UserStoreValue } from '../user-store-value.js';
import { USER_VIEW_KINDS, deriveUserView } from '../user-views.js';
import type { User } from '../user.js';

/**
 * The preheat callback: when a user is back-filled into the first layer (it was just read from Redis or
 * the database, so the client is likely to ask for more), loads the user's views (`user:profile:<id>`,
 * `user:settings:<id>`, `user:permissions:<id>`) in the background. Each view is taken from the layers
 * when they have it, else derived from the user row.
 *
 * Only an exact `user:<id>` key triggers it, and only its write into layer 0 (a read from the database
 * back-fills two layers: one preheat, not two). The views' own backfills do not match, so a preheat
 * never triggers another.
 */
@Injectable()
export class UserPreheater implements OnModuleInit, OnModuleDestroy {
  readonly #logger = new Logger(UserPreheater.name);
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly store: DelegatedStore<string, UserStoreValue>) {}

  onModuleInit(): void {
    this.store.onBackFill(this.onBackFill);
  }

  /** Lets the preheats in flight finish before the store closes. */
  onModuleDestroy(): Promise<void> {
    return this.idle();
  }

  /** Resolves once every preheat started so far, and the backfills they caused, are done. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.store.drain();
  }

  readonly onBackFill: BackFillCallback<string, UserStoreValue> = (_ctx, key, value, layerIndex) => {
    const id = userIdOf(key);
    if (id === undefined || layerIndex !== 0) return;
    const user = value as User;
    const run = Promise.all(
      USER_VIEW_KINDS.map((kind) =>
        this.store.getOrLoad(userViewKey(kind, id), async () => deriveUserView(kind, user), {
          metadata: { preheat: true },
        }),
      ),
    ).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof StoreClosedError) return; // shutting down: nothing to warm any more
        this.#logger.warn(`preheating the views of user ${id} failed: ${describe(error)}`);
      },
    );
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
