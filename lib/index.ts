export * from './core/index.js';
export * from './stores/index.js';
export * from './keyv/index.js';
export * from './nest/index.js';
