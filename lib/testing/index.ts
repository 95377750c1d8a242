/**
 * `nestjs-delegated-store/testing`: the conformance suite of the `Store` contract, for your own stores
 * (SQL, DynamoDB, ...), in your own test runner (jest, vitest, node:test). The stores of this package
 * pass the same suite.
 *
 * @packageDocumentation
 */
export { describeStoreConformance } from './describe-store-conformance.js';
export type {
  StoreConformanceOptions,
  StoreConformanceSettings,
  ConformanceKeyOption,
  ConformanceValueOption,
} from './conformance-options.js';
export type { ConformanceRunner, ConformanceTestFunction, ConformanceHook } from './conformance-runner.js';
export type { StoreUnderTest, StoreWithCleanup } from './store-under-test.js';
export { STORE_CAPABILITIES, type StoreCapability } from './store-capability.js';
export type { ConformanceJsonValue } from './sample-values.js';
