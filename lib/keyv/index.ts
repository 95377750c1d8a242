export { KeyvDelegatedStore, type KeyvDelegatedStoreOptions } from './keyv-delegated-store.js';
