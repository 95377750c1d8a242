import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import type { BackFillCallback } from '../../../../lib/index.js';
import { keyFamily } from '../user-keys.js';
import type { UserStoreValue } from '../user-store-value.js';

/**
 * The metrics backfill callback: which kinds of entries get back-filled (users, views, summaries), a
 * split that the per-layer counter fed by `backFill$` does not show.
 */
@Injectable()
export class UserBackFillMetrics {
  readonly #entries: Counter<'family' | 'layer_index'>;

  constructor(registry: Registry) {
    this.#entries = new Counter({
      name: 'user_store_backfilled_entries_total',
      help: 'Entries back-filled into a layer of the user store, by key family (user, profile, summary...)',
      labelNames: ['family', 'layer_index'],
      registers: [registry],
    });
  }

  readonly callback: BackFillCallback<string, UserStoreValue> = (_ctx, key, _value, layerIndex) => {
    this.#entries.inc({ family: keyFamily(key), layer_index: String(layerIndex) });
  };
}
