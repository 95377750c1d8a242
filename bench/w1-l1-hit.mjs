// W1: reads that hit L1. 10k keys preloaded in every contender's L1, then sequential `await get(key)`
// cycling over them, ops/s. Checks every value read, and that no read reached Redis.
import * as contenders from './lib/contenders.mjs';
import { countCommands, readCalls } from './lib/redis.mjs';
import { baselineTargets, benchEnv, check, ratioTarget, runWorkload, size } from './lib/workload.mjs';

const env = await benchEnv();
const KEYS = 10_000;
const keys = Array.from({ length: KEYS }, (_, i) => `${env.tag}-w1-${i}`);
const minMs = size(env, 400, 150);
const options = { url: env.url, tag: env.tag, l1Max: KEYS };

// One compiled loop per contender, so that no contender's call site feedback slows another one down.
function compileLoop(sync) {
  return new Function(
    `return async function w1ReadLoop(get, keys) {
      let wrong = 0;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const value = ${sync ? '' : 'await '}get(key);
        if (value === undefined || value.id !== key) wrong++;
      }
      return wrong;
    };`,
  )();
}

await runWorkload(env, {
  id: 'W1',
  title: 'L1 hit, sequential awaits, 10k keys',
  unit: 'ops/s',
  extraLabels: { redisReadsPerOp: 'Redis reads/op' },
  contenders: [
    () => contenders.delegatedStore(options),
    ...contenders.baselineContenders(options),
    () =>
      contenders.delegatedStore({
        ...options,
        middlewares: 2,
        name: 'delegated-store + 2 no-op middlewares',
      }),
    () => contenders.layeredLoader(options),
    () => contenders.layeredLoader({ ...options, sync: true }),
    () => contenders.bentocache(options),
    () => contenders.cacheable(options),
    () => contenders.cacheManager(options),
    () => contenders.asyncMap(),
    () => contenders.lruSync({ l1Max: KEYS }),
    () => contenders.lruSync({ l1Max: KEYS, ttl: true }),
  ],
  async setup(contender) {
    for (let i = 0; i < KEYS; i += 500) {
      await Promise.all(keys.slice(i, i + 500).map((key) => contender.set(key, contenders.makeValue(key))));
    }
    await contender.drain();
    contender.loop = compileLoop(contender.sync === true);
  },
  async run(contender, _round, { admin }) {
    const { result: sample, delta } = await countCommands(admin, async () => {
      let ops = 0;
      let wrong = 0;
      const start = performance.now();
      let elapsed;
      do {
        wrong += await contender.loop(contender.get, keys);
        ops += KEYS;
        elapsed = performance.now() - start;
      } while (elapsed < minMs);
      check(wrong === 0, contender.name, `${wrong} of ${ops} reads returned a wrong value`);
      return { value: ops / (elapsed / 1000), ops };
    });
    return { value: sample.value, redisReadsPerOp: readCalls(delta) / sample.ops };
  },
  targets: (byName) => [
    ratioTarget(
      'delegated-store ≥ 1.5× layered-loader (async get)',
      byName,
      'delegated-store',
      'layered-loader',
      1.5,
    ),
    ratioTarget(
      'delegated-store + 2 no-op middlewares ≥ 1.0× layered-loader',
      byName,
      'delegated-store + 2 no-op middlewares',
      'layered-loader',
      1.0,
    ),
    ...baselineTargets(byName, contenders.BASELINE),
  ],
  notes: [
    'Every contender holds the 10k keys in its L1 (max 10k entries); reads are checked and Redis reads counted (0 expected).',
    'bentocache keeps L1 values serialized by default (serialize: true); cacheable/cache-manager clone on read by default (useClones).',
  ],
});
