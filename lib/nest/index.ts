export { DelegatedStoreModule } from './delegated-store.module.js';
export { getDelegatedStoreToken, InjectDelegatedStore } from './delegated-store.tokens.js';
export { interceptorMiddleware } from './interceptor-middleware.js';
export { DelegatedStoreExecutionContext } from './delegated-store-execution-context.js';
export { DELEGATED_STORE_CONTEXT_TYPE } from './delegated-store.constants.js';
export type {
  DelegatedStoreModuleOptions,
  DelegatedStoreModuleAsyncOptions,
  DelegatedStoreFactoryOptions,
  DelegatedStoreInterceptor,
} from './delegated-store-module-options.interface.js';
export * from './decorators/index.js';
export * from './http/index.js';
