// W2: the first read of a key that is only in Redis, through the whole stack. Each op reads a fresh key
// that was written to the contender's Redis layer alone (in its own format); sequential awaits, ops/s.
// Then checks that the next read of such a key is served by L1 (no Redis read).
import * as contenders from './lib/contenders.mjs';
import { countCommands, readCalls } from './lib/redis.mjs';
import {
  baselineTargets,
  benchEnv,
  check,
  freshCopy,
  ratioTarget,
  roundsFor,
  runWorkload,
  size,
  sleep,
} from './lib/workload.mjs';

const env = await benchEnv();
const OPS = size(env, 3000, 500);
const SAMPLE = 200; // keys read again to check the backfill
const options = { url: env.url, tag: env.tag };

/** The measured loop (one fresh copy per contender): sequential first reads, each value checked. */
async function readEach(get, keys, check, name) {
  for (const key of keys) {
    const read = await get(key);
    if (read === undefined || read.id !== key)
      check(false, name, `get(${key}) returned ${JSON.stringify(read)}`);
  }
}

await runWorkload(env, {
  id: 'W2',
  title: 'value only in Redis: first get',
  unit: 'ops/s',
  extraLabels: {
    cpuPerOp: 'CPU µs/op',
    redisReadsPerOp: 'Redis reads/op',
    nextReadFromL1: 'next read from L1 %',
  },
  contenders: [
    () => contenders.delegatedStore(options),
    ...contenders.baselineContenders(options),
    () => contenders.delegatedStoreAutoPipelining(options),
    () => contenders.layeredLoader(options),
    () => contenders.bentocache(options),
    () => contenders.cacheable(options),
    () => contenders.cacheManager(options),
    () => contenders.rawRedis(options),
  ],
  async run(contender, round, { admin, index }) {
    const keys = Array.from({ length: OPS }, (_, i) => `${env.tag}-w2-${index}-${round}-${i}`);
    await contender.seedRedis(keys.map((key) => ({ key, value: contenders.makeValue(key) })));
    const {
      result: value,
      delta,
      cpuMicros,
    } = await countCommands(admin, async () => {
      contender.readEach ??= freshCopy(readEach);
      const start = performance.now();
      await contender.readEach(contender.get, keys, check, contender.name);
      return OPS / ((performance.now() - start) / 1000);
    });
    const sample = {
      value,
      cpuPerOp: cpuMicros / OPS,
      redisReadsPerOp: readCalls(delta) / OPS,
      nextReadFromL1: undefined,
    };
    if (contender.kind === 'baseline') return sample;
    // The next read: after the backfill settled, it must not reach Redis.
    await contender.drain();
    await sleep(10);
    const again = keys.slice(-SAMPLE);
    const hitsBefore = contender.l1Hits?.();
    const reread = await countCommands(admin, async () => {
      for (const key of again) check((await contender.get(key))?.id === key, contender.name, 'second read');
    });
    sample.nextReadFromL1 = 100 * (1 - readCalls(reread.delta) / SAMPLE);
    if (hitsBefore !== undefined) {
      // delegated-store's own counters must agree: every second read a layer-0 hit.
      const hits = contender.l1Hits() - hitsBefore;
      check(hits === SAMPLE, contender.name, `${hits} of ${SAMPLE} second reads were layer-0 hits`);
    }
    return sample;
  },
  // Rounds are short (a few hundred ms each) and the round trip is at the mercy of the scheduler.
  rounds: roundsFor(env, 9, 5),
  targets: (byName) => {
    const ds = byName['delegated-store'];
    return [
      ratioTarget(
        'delegated-store ≥ 1.05× layered-loader',
        byName,
        'delegated-store',
        'layered-loader',
        1.05,
      ),
      ratioTarget(
        'delegated-store CPU time per read against layered-loader (below 1: cheaper)',
        byName,
        'delegated-store',
        'layered-loader',
        1,
        { info: true, metric: 'cpuPerOp' },
      ),
      ratioTarget(
        'delegated-store against raw ioredis GET + JSON.parse',
        byName,
        'delegated-store',
        'raw ioredis GET + JSON.parse',
        0.9,
        { info: true },
      ),
      {
        text: 'delegated-store: the next read of the key is an L1 hit',
        pass: ds ? ds.extras.nextReadFromL1 === 100 : undefined,
        detail: ds ? `${ds.extras.nextReadFromL1.toFixed(0)}% of second reads from L1` : 'not run',
      },
      ...baselineTargets(byName, contenders.BASELINE, ['cpuPerOp']),
    ];
  },
  notes: [
    '"next read from L1" is the share of second reads (after the backfill settled) that sent no read to Redis.',
    'CPU µs/op: CPU time of the benchmark process during the reads, per read; it leaves out the wait for Redis.',
    'cache-manager 7 does not write a value read from a lower store back to the memory store on get.',
  ],
});
