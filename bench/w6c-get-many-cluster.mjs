// W6C: W6 (getMany of 100 keys that are only in the Redis layer) on a Redis Cluster of 3 masters: batches/s
// against the same store on a single Redis, and against layered-loader on the same cluster. The cluster is
// BENCH_CLUSTER_NODES (or REDIS_CLUSTER_NODES), else a scratch one started for the run (redis-server and
// redis-cli on the PATH). Counts the commands every master ran per batch (INFO commandstats).
import * as contenders from './lib/contenders.mjs';
import {
  clusterAdmin,
  clusterCommandCounts,
  clusterNodesFromEnv,
  startScratchCluster,
} from './lib/cluster.mjs';
import { commandCounts, countsDelta, deleteTagged } from './lib/redis.mjs';
import { profiled } from './lib/profiler.mjs';
import { benchEnv, check, log, ratioTarget, runWorkload, size } from './lib/workload.mjs';

const env = await benchEnv();
const BATCH = 100;
const BATCHES = size(env, 200, 50);
let nodes = clusterNodesFromEnv();
let scratch;
if (nodes === undefined) {
  scratch = await startScratchCluster(3);
  nodes = scratch.nodes;
  log(`scratch Redis Cluster on ${nodes.map((n) => n.port).join(', ')} (pids ${scratch.pids.join(', ')})`);
}
const admin = await clusterAdmin(nodes);
const options = { url: env.url, tag: env.tag };
const tagged = (suffix) => `{${env.tag}}${suffix}`;

/** The same contender, reading a batch as 100 concurrent gets. */
function concurrentGets(contender, name) {
  return { ...contender, name, getMany: (keys) => Promise.all(keys.map(contender.get)), manyInOrder: true };
}

/** What layered-loader's getMany does on a cluster when the keys are in several slots. */
async function layeredLoaderWithoutHashTag() {
  const probe = contenders.layeredLoader({ ...options, cluster: nodes, prefix: `${env.tag}probe` });
  const logged = [];
  const error = console.error;
  console.error = (...args) => logged.push(args.map(String).join(' '));
  try {
    const keys = Array.from({ length: 10 }, (_, i) => `probe-${i}`);
    await probe.seedRedis(keys.map((key) => ({ key, value: contenders.makeValue(key) })));
    const values = await probe.getMany(keys);
    const why = logged.find((line) => /CROSSSLOT/.test(line))
      ? ' (it logs CROSSSLOT and counts every key as a miss)'
      : '';
    return `${values.length} of 10 values found${why}`;
  } catch (failure) {
    return `rejects: ${String(failure.message).split('\n')[0]}`;
  } finally {
    console.error = error;
    await probe.close();
  }
}
const withoutHashTag = await layeredLoaderWithoutHashTag();

try {
  await runWorkload(env, {
    id: 'W6C',
    title: `getMany of ${BATCH} keys from a Redis Cluster (3 masters)`,
    unit: 'batches/s',
    extraLabels: { commands: 'Redis cmds/batch', mget: 'MGET/batch' },
    contenders: [
      () => ({
        ...contenders.delegatedStore(options),
        name: 'delegated-store (single Redis)',
        kind: 'variant',
      }),
      () => ({
        ...contenders.delegatedStore({ ...options, cluster: nodes }),
        name: 'delegated-store (cluster)',
      }),
      () => ({
        ...contenders.delegatedStore({ ...options, cluster: nodes, prefix: tagged('ds') }),
        name: 'delegated-store (cluster, one hash tag)',
        kind: 'variant',
      }),
      () =>
        contenders.layeredLoader({
          ...options,
          cluster: nodes,
          prefix: tagged('ll'),
          name: 'layered-loader (cluster, one hash tag)',
        }),
      () =>
        concurrentGets(
          contenders.layeredLoader({ ...options, cluster: nodes }),
          `layered-loader (cluster, ${BATCH} concurrent gets)`,
        ),
    ],
    async run(contender, round, { admin: single, index }) {
      const batches = Array.from({ length: BATCHES }, (_, b) =>
        Array.from({ length: BATCH }, (_, i) => `${env.tag}-w6c-${index}-${round}-${b}-${i}`),
      );
      await contender.seedRedis(batches.flat().map((key) => ({ key, value: contenders.makeValue(key) })));
      const before = [await commandCounts(single), await clusterCommandCounts(admin)];
      const value = await profiled(async () => {
        const start = performance.now();
        for (const keys of batches) {
          const values = await contender.getMany(keys);
          const ids = values.map((v) => v?.id);
          const expected = contender.manyInOrder ? keys : [...keys].sort();
          if (!contender.manyInOrder) ids.sort();
          check(
            ids.length === BATCH && ids.every((id, i) => id === expected[i]),
            contender.name,
            `getMany returned ${ids.length} values, first ${JSON.stringify(ids.slice(0, 3))}`,
          );
        }
        return BATCHES / ((performance.now() - start) / 1000);
      });
      const after = [await commandCounts(single), await clusterCommandCounts(admin)];
      await contender.drain();
      const delta = countsDelta(before[0], after[0]);
      for (const [name, calls] of Object.entries(countsDelta(before[1], after[1]))) {
        // Each master answered one INFO per reading: not the contender's.
        const own = name === 'info' ? calls - (admin.nodes('master').length - 1) : calls;
        if (own > 0) delta[name] = (delta[name] ?? 0) + own;
      }
      const commands = Object.entries(delta).reduce(
        (sum, [name, calls]) => sum + (name === 'info' ? 0 : calls),
        0,
      );
      return { value, commands: commands / BATCHES, mget: (delta.mget ?? 0) / BATCHES };
    },
    targets: (byName) => [
      ratioTarget(
        'keys spread over the slots: delegated-store getMany ≥ layered-loader (100 concurrent gets, its only way there)',
        byName,
        'delegated-store (cluster)',
        `layered-loader (cluster, ${BATCH} concurrent gets)`,
        1,
      ),
      ratioTarget(
        'keys under one hash tag: delegated-store getMany ≥ layered-loader getMany',
        byName,
        'delegated-store (cluster, one hash tag)',
        'layered-loader (cluster, one hash tag)',
        1,
      ),
      {
        text: 'delegated-store getMany on the cluster (spread keys) against the same store on a single Redis',
        ratio:
          byName['delegated-store (cluster)'] && byName['delegated-store (single Redis)']
            ? byName['delegated-store (cluster)'].median / byName['delegated-store (single Redis)'].median
            : undefined,
        pass: undefined,
        detail: 'informative: ~100 MGETs (one per slot) in one pipeline per master against 1 MGET',
      },
    ],
    notes: [
      `${BATCHES} batches per round, each of ${BATCH} fresh keys written to the Redis layer alone beforehand.`,
      'delegated-store (cluster): keys in ~100 slots, so ~100 MGETs per batch, sent as one pipeline per master.',
      'one hash tag: every key in one slot (so on one master), a single MGET; what layered-loader needs for its getMany.',
      `layered-loader getMany on the cluster without a hash tag: ${withoutHashTag}.`,
      'The single-Redis row runs on the scratch (or REDIS_URL) server of the other workloads.',
    ],
  });
} finally {
  if (!scratch)
    await Promise.all(admin.nodes('master').map((master) => deleteTagged(master, env.tag))).catch(() => {});
  admin.disconnect();
  scratch?.stop();
}
