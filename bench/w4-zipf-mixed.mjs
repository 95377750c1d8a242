// W4: a realistic mix. Zipf (s = 1) over 100k keys, all of them in Redis; 90% get / 10% set; L1 holds 10k;
// 32 operations in flight (a pool of 32 async workers); a fixed number of operations per round, ops/s.
// Every contender replays the same operations in a round. L1 hit rate estimated from the Redis reads.
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
} from './lib/workload.mjs';
import { permutation, rng, zipf } from './lib/zipf.mjs';

const env = await benchEnv();
const KEYS = 100_000;
const L1 = 10_000;
const IN_FLIGHT = 32;
const SET_SHARE = 0.1;
const OPS = size(env, 60_000, 15_000);
const options = { url: env.url, tag: env.tag, l1Max: L1 };
const keys = Array.from({ length: KEYS }, (_, i) => `${env.tag}-w4-${i}`);

/** The operations of a round: key indexes and which of them are sets. Same seed, same operations. */
const rounds = new Map();
function operations(round) {
  if (!rounds.has(round)) {
    const random = rng(1000 + round);
    const rank = zipf(KEYS, 1, random);
    const order = permutation(KEYS, rng(7)); // popular keys spread over the key space, same every round
    const key = new Uint32Array(OPS);
    const isSet = new Uint8Array(OPS);
    for (let i = 0; i < OPS; i++) {
      key[i] = order[rank()];
      isSet[i] = random() < SET_SHARE ? 1 : 0;
    }
    rounds.set(round, { key, isSet, gets: OPS - isSet.reduce((a, b) => a + b, 0) });
  }
  return rounds.get(round);
}

/** The measured section (one fresh copy per contender): `inFlight` workers share the operations. */
async function replay(contender, { key, isSet }, { keys, ops, inFlight, makeValue, check }) {
  const { get, set, name: contenderName } = contender;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < ops; i = next++) {
      const name = keys[key[i]];
      if (isSet[i] === 1) {
        await set(name, makeValue(name, i));
      } else {
        const value = await get(name);
        if (value === undefined || value.id !== name)
          check(false, contenderName, `get(${name}) returned ${JSON.stringify(value)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}
const shared = { keys, ops: OPS, inFlight: IN_FLIGHT, makeValue: contenders.makeValue, check };

await runWorkload(env, {
  id: 'W4',
  title: `Zipf over 100k keys, 90% get / 10% set, L1 10k, ${IN_FLIGHT} in flight`,
  unit: 'ops/s',
  extraLabels: { cpuPerOp: 'CPU µs/op', l1HitRate: 'L1 hit % (est.)', redisCommandsPerOp: 'Redis cmds/op' },
  contenders: [
    () => contenders.delegatedStore(options),
    ...contenders.baselineContenders(options),
    () => contenders.delegatedStoreAutoPipelining(options),
    () => contenders.layeredLoader(options),
    () => contenders.bentocache(options),
    () => contenders.cacheable(options),
    () => contenders.cacheManager(options),
    () => contenders.handRolled(options),
  ],
  async setup(contender) {
    await contender.seedRedis(keys.map((key) => ({ key, value: contenders.makeValue(key) })));
  },
  async run(contender, round, { admin }) {
    const ops = operations(round);
    const {
      result: value,
      delta,
      cpuMicros,
    } = await countCommands(admin, async () => {
      const start = performance.now();
      contender.replay ??= freshCopy(replay);
      await contender.replay(contender, ops, shared);
      return OPS / ((performance.now() - start) / 1000);
    });
    await contender.drain();
    const commands = Object.entries(delta).reduce(
      (sum, [name, calls]) => sum + (name === 'info' ? 0 : calls),
      0,
    );
    return {
      value,
      cpuPerOp: cpuMicros / OPS,
      l1HitRate: 100 * (1 - readCalls(delta) / ops.gets),
      redisCommandsPerOp: commands / OPS,
    };
  },
  // The widest spread of all (±10-30% per contender): more rounds, so that a 20% change shows.
  rounds: roundsFor(env, 11, 5),
  targets: (byName) => [
    ratioTarget('delegated-store ≥ 1.2× layered-loader', byName, 'delegated-store', 'layered-loader', 1.2),
    ratioTarget(
      'delegated-store CPU time per operation against layered-loader (below 1: cheaper)',
      byName,
      'delegated-store',
      'layered-loader',
      1,
      { info: true, metric: 'cpuPerOp' },
    ),
    ...baselineTargets(byName, contenders.BASELINE, ['cpuPerOp']),
  ],
  notes: [
    `${OPS} operations per round; the same Zipf sequence for every contender within a round.`,
    'L1 hit % is 1 − (Redis reads / gets): a read served by L1 sends nothing to Redis.',
    'CPU µs/op: CPU time of the benchmark process during the round, per operation.',
  ],
});
