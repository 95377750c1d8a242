// W3: a stampede. 1000 concurrent getOrLoad-style calls on one cold key, with a loader that takes 20 ms.
// Counts loader calls and Redis GETs (INFO commandstats), and the wall time until every caller resolved.
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
  sleep,
} from './lib/workload.mjs';

const env = await benchEnv();
const CALLERS = 1000;
const LOADER_MS = 20;
const LIMIT_MS = LOADER_MS * 1.15;
const options = { url: env.url, tag: env.tag };

/** The measured section (one fresh copy per contender): `callers` concurrent calls on one key. */
function stampede(getOrLoad, key, loader, callers) {
  return Promise.all(Array.from({ length: callers }, () => getOrLoad(key, loader)));
}

/** The floor: every caller awaits one shared call of the loader. */
function sharedPromise() {
  return {
    name: 'one shared loader promise',
    kind: 'baseline',
    getOrLoad: (() => {
      const flights = new Map();
      return (key, loader) => {
        if (!flights.has(key)) flights.set(key, loader(key));
        return flights.get(key);
      };
    })(),
    drain: () => sleep(5),
    close: async () => {},
  };
}

await runWorkload(env, {
  id: 'W3',
  title: `${CALLERS} callers on one cold key, loader ${LOADER_MS} ms`,
  unit: 'ms',
  better: 'lower',
  extraLabels: { loads: 'loader calls', redisGets: 'Redis GETs', redisReads: 'Redis reads (all)' },
  contenders: [
    () => contenders.delegatedStore(options),
    ...contenders.baselineContenders(options),
    () => contenders.layeredLoader(options),
    () => contenders.bentocache(options),
    () => contenders.cacheable(options),
    () => contenders.cacheManager(options),
    () => sharedPromise(),
  ],
  async run(contender, round, { admin, index }) {
    const key = `${env.tag}-w3-${index}-${round}`;
    let loads = 0;
    const loader = async (k) => {
      loads++;
      await sleep(LOADER_MS);
      return contenders.makeValue(k);
    };
    const { result: ms, delta } = await countCommands(
      admin,
      async () => {
        contender.stampede ??= freshCopy(stampede);
        const start = performance.now();
        const results = await contender.stampede(contender.getOrLoad, key, loader, CALLERS);
        const elapsed = performance.now() - start;
        check(
          results.every((value) => value?.id === key),
          contender.name,
          'a caller got a wrong value',
        );
        return elapsed;
      },
      30, // background writes (backfill, loader result) land before the counters are read
    );
    await contender.drain();
    return { value: ms, loads, redisGets: delta.get ?? 0, redisReads: readCalls(delta) };
  },
  warmup: env.quick ? 1 : 2,
  rounds: roundsFor(env, 15, 5), // rounds are short: take more of them
  targets: (byName) => {
    const ds = byName['delegated-store'];
    if (!ds) return [{ text: 'delegated-store', pass: undefined, detail: 'not run' }];
    return [
      ratioTarget(
        'delegated-store wall time ≤ 1.0× layered-loader',
        byName,
        'delegated-store',
        'layered-loader',
        1.0,
        { atMost: true },
      ),
      { text: 'delegated-store: 1 loader call', pass: ds.extras.loads === 1, detail: `${ds.extras.loads}` },
      {
        text: 'delegated-store: 1 Redis read',
        pass: ds.extras.redisReads === 1,
        detail: `${ds.extras.redisReads}${env.scratch ? '' : ', shared Redis: counts include other clients'}`,
      },
      {
        text: `delegated-store: wall time ≤ ${LIMIT_MS} ms (1.15× the loader)`,
        pass: ds.median <= LIMIT_MS,
        ratio: ds.median / LOADER_MS,
        detail: `${ds.median.toFixed(1)} ms`,
      },
      ...baselineTargets(byName, contenders.BASELINE),
    ];
  },
  notes: [
    `Each round uses a fresh key; loader calls and Redis reads are medians over rounds. Limit: ${LIMIT_MS} ms.`,
    ...(env.scratch ? [] : ['REDIS_URL is shared: the Redis command counts include other clients.']),
  ],
});
