/**
 * Type tests of the HTTP caching API (compiled by `tsc --noEmit`, never run): what must compile does,
 * and each `@ts-expect-error` line is a mistake that must not.
 */
import type { ExecutionContext } from '@nestjs/common';
import type { KeyvStoreAdapter } from 'keyv';
import {
  DelegatedCacheKey,
  DelegatedCacheStore,
  DelegatedCacheTtl,
  DelegatedStore,
  KeyvDelegatedStore,
  MemoryStore,
} from '../../lib/index.js';

declare const context: ExecutionContext;
const store = new DelegatedStore<string, unknown>([{ store: new MemoryStore() }]);

DelegatedCacheKey('fixed');
DelegatedCacheKey((ctx) => `k:${ctx.getType()}`);
DelegatedCacheKey(() => undefined);
// @ts-expect-error a key is a string or a function of the context
DelegatedCacheKey(42);
// @ts-expect-error a key function answers a string (or undefined)
DelegatedCacheKey(() => 42);

DelegatedCacheTtl(5_000);
DelegatedCacheTtl((ctx) => (ctx === context ? 1_000 : undefined));
// @ts-expect-error a ttl is milliseconds, not a string
DelegatedCacheTtl('5s');

DelegatedCacheStore('http');
// @ts-expect-error a store is named by a string
DelegatedCacheStore(1);

const adapter: KeyvStoreAdapter = new KeyvDelegatedStore(store, { namespace: 'http' });
void adapter;
// @ts-expect-error the adapter wraps a DelegatedStore, not a layer
new KeyvDelegatedStore(new MemoryStore<string, unknown>());
// @ts-expect-error a namespace is a string
new KeyvDelegatedStore(store, { namespace: 1 });
