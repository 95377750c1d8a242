// W6: batch reads. getMany of 100 keys that are only in Redis (fresh keys for every batch, so L1 misses),
// sequential batches, batches/s; against 100 concurrent gets. Counts Redis commands per batch
// (INFO commandstats): one MGET per batch is one round trip for the Redis layer.
import * as contenders from './lib/contenders.mjs';
import { countCommands } from './lib/redis.mjs';
import {
  baselineTargets,
  benchEnv,
  check,
  freshCopy,
  ratioTarget,
  roundsFor,
  runWorkload,
  size,
} from './lib/workload.mjs';

const env = await benchEnv();
const BATCH = 100;
const BATCHES = size(env, 200, 50);
const options = { url: env.url, tag: env.tag };

/** The measured loop (one fresh copy per contender): sequential batches, each checked. */
async function readBatches(contender, batches, check) {
  for (const keys of batches) {
    const values = await contender.getMany(keys);
    const ids = values.map((v) => v?.id);
    const expected = contender.manyInOrder ? keys : [...keys].sort();
    if (!contender.manyInOrder) ids.sort();
    check(
      ids.length === keys.length && ids.every((id, i) => id === expected[i]),
      contender.name,
      `getMany returned ${ids.length} values, first ${JSON.stringify(ids.slice(0, 3))}`,
    );
  }
}

/** The same contender, reading a batch as 100 concurrent gets (bentocache has no batch read). */
function concurrentGets(contender, name = `${contender.name} (${BATCH} concurrent gets)`) {
  return { ...contender, name, getMany: (keys) => Promise.all(keys.map(contender.get)), manyInOrder: true };
}

await runWorkload(env, {
  id: 'W6',
  title: `getMany of ${BATCH} keys from Redis`,
  unit: 'batches/s',
  extraLabels: {
    cpuPerBatch: 'CPU µs/batch',
    mget: 'MGET/batch',
    get: 'GET/batch',
    commands: 'Redis cmds/batch',
  },
  contenders: [
    () => contenders.delegatedStore(options),
    ...contenders.baselineContenders(options),
    () => contenders.delegatedStoreAutoPipelining(options),
    () => concurrentGets(contenders.delegatedStore(options)),
    () => contenders.layeredLoader(options),
    () => concurrentGets(contenders.bentocache(options)),
    () => contenders.cacheable(options),
    () => contenders.cacheManager(options),
    () => ({ ...contenders.rawRedis(options), name: 'raw ioredis MGET + JSON.parse' }),
  ],
  async run(contender, round, { admin, index }) {
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: BATCH }, (_, i) => `${env.tag}-w6-${index}-${round}-${b}-${i}`),
    );
    await contender.seedRedis(batches.flat().map((key) => ({ key, value: contenders.makeValue(key) })));
    const {
      result: value,
      delta,
      cpuMicros,
    } = await countCommands(admin, async () => {
      contender.readBatches ??= freshCopy(readBatches);
      const start = performance.now();
      await contender.readBatches(contender, batches, check);
      return BATCHES / ((performance.now() - start) / 1000);
    });
    await contender.drain();
    const commands = Object.entries(delta).reduce(
      (sum, [name, calls]) => sum + (name === 'info' ? 0 : calls),
      0,
    );
    return {
      value,
      cpuPerBatch: cpuMicros / BATCHES,
      mget: (delta.mget ?? 0) / BATCHES,
      get: (delta.get ?? 0) / BATCHES,
      commands: commands / BATCHES,
    };
  },
  rounds: roundsFor(env, 9, 5),
  targets: (byName) => {
    const ds = byName['delegated-store'];
    return [
      ratioTarget(
        'delegated-store getMany ≥ 1.1× layered-loader',
        byName,
        'delegated-store',
        'layered-loader',
        1.1,
      ),
      ratioTarget(
        'delegated-store CPU time per batch against layered-loader (below 1: cheaper)',
        byName,
        'delegated-store',
        'layered-loader',
        1,
        { info: true, metric: 'cpuPerBatch' },
      ),
      {
        text: 'delegated-store getMany: one round trip per layer (1 MGET, 0 GET per batch)',
        pass: ds ? ds.extras.mget === 1 && ds.extras.get === 0 : undefined,
        detail: ds
          ? `${ds.extras.mget} MGET, ${ds.extras.get} GET, ${ds.extras.commands} commands per batch`
          : 'not run',
      },
      ratioTarget(
        `delegated-store getMany against ${BATCH} concurrent gets`,
        byName,
        'delegated-store',
        `delegated-store (${BATCH} concurrent gets)`,
        5,
        { info: true },
      ),
      ...baselineTargets(byName, contenders.BASELINE, ['cpuPerBatch']),
    ];
  },
  notes: [
    `${BATCHES} batches per round, each of ${BATCH} fresh keys written to the Redis layer alone beforehand.`,
    'layered-loader getMany returns the values without their order (memory hits first), so it is checked as a set.',
    'ioredis may pipeline concurrent GETs into few writes, but Redis still runs one command per key.',
  ],
});
