export { DelegatedCached, type DelegatedCachedOptions } from './delegated-cached.decorator.js';
export { DelegatedEvict, type DelegatedEvictOptions } from './delegated-evict.decorator.js';
export { DelegatedPut, type DelegatedPutOptions } from './delegated-put.decorator.js';
export type { KeyOption } from './cache-key.js';
export type { AsyncMethod, DelegatedMethodDecorator } from './typed-method-decorator.js';
export { CacheKeyError, StoreNotInjectedError } from './decorator.errors.js';
