export * from './memory-store.js';
export * from './cache-manager-store.js';
