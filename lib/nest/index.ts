export { DelegatedStoreModule } from './delegated-store.module.js';
export {
  getDelegatedStoreToken,
  InjectDelegatedStore,
  type StoreRef,
  type TypedStoreClass,
} from './delegated-store.tokens.js';
export {
  DelegatedStoreClass,
  type DelegatedStoreClassType,
  type TypedStoreOptions,
  type TypedStoreAsyncOptions,
} from './delegated-store-class.js';
export { interceptorMiddleware } from './interceptor-middleware.js';
export { DelegatedStoreExecutionContext } from './delegated-store-execution-context.js';
export { DELEGATED_STORE_CONTEXT_TYPE } from './delegated-store.constants.js';
export type {
  DelegatedStoreModuleOptions,
  DelegatedStoreModuleAsyncOptions,
  DelegatedStoreFactoryOptions,
  DelegatedStoreModuleLayer,
  UntypedStore,
  DelegatedStoreInterceptor,
  DelegatedStoreOptionsFactory,
} from './delegated-store-module-options.interface.js';
export * from './decorators/index.js';
export * from './http/index.js';
