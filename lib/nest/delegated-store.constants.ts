/** What `ExecutionContext.getType()` returns inside a store operation, for interceptors shared with HTTP routes. */
export const DELEGATED_STORE_CONTEXT_TYPE = 'delegated-store';

/** The Logger context of the default store; a named store logs under its name. */
export const DEFAULT_STORE_LOG_CONTEXT = 'DelegatedStore';

/** The options of one store, private to its own dynamic module (never exported: tokens are name-scoped). */
export const DELEGATED_STORE_MODULE_OPTIONS = Symbol('DELEGATED_STORE_MODULE_OPTIONS');
