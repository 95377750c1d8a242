import type { DelegatedStore } from '../core/delegated-store.js';
import type { Layer } from '../core/store.js';

/** The keys found, or the name of a cache layer whose store cannot list its keys. */
export type CacheLayerKeys = { keys: Set<string> } | { unlistedLayer: string };

/**
 * The keys that start with `prefix` in the cache layers (every layer but the primary) of a store, each
 * once. A cache layer whose store has no `keys()` cannot say which keys it holds, so the caller cannot
 * tell a namespace's keys from the others': the answer then names that layer instead.
 */
export async function cacheLayerKeys(
  store: DelegatedStore<string, unknown>,
  prefix: string,
): Promise<CacheLayerKeys> {
  const caches = cacheLayers(store);
  const unlisted = caches.find((layer) => typeof layer.store.keys !== 'function');
  if (unlisted !== undefined) return { unlistedLayer: unlisted.name ?? 'unnamed' };
  const keys = new Set<string>();
  for (const layer of caches) {
    for await (const key of layer.store.keys!()) {
      if (typeof key === 'string' && key.startsWith(prefix)) keys.add(key);
    }
  }
  return { keys };
}

/** The layers that are not the primary (all of them when none is). */
function cacheLayers(store: DelegatedStore<string, unknown>): Array<Readonly<Layer<string, unknown>>> {
  const layers: Array<Readonly<Layer<string, unknown>>> = [];
  for (let index = 0; index < store.layerNames.length; index++) {
    const layer = store.getLayer(index);
    if (layer.primary !== true) layers.push(layer);
  }
  return layers;
}
