/**
 * ts-jest in ESM mode: the package is ESM and NestJS 12 is ESM-only.
 * IOREDIS=6 runs the suites against ioredis 6 (the `ioredis6` devDependency) instead of ioredis 5: both
 * majors are in the peer range, and CI runs the Redis suites with each.
 */
const ioredis = process.env.IOREDIS === '6' ? { '^ioredis$': 'ioredis6' } : {};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    ...ioredis,
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The package by its own name (examples/ import it as users do): its sources, as in tsconfig "paths".
    '^nestjs-delegated-store$': '<rootDir>/lib/index.ts',
    '^nestjs-delegated-store/redis$': '<rootDir>/lib/redis/index.ts',
    '^nestjs-delegated-store/testing$': '<rootDir>/lib/testing/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30_000,
};
