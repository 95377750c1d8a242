// W7: the expiry of hot keys (issue 14). 1000 keys, all read all the time by 32 callers through
// getOrLoad (a 5 ms loader), with a ttl short enough that each key expires CYCLES times in a round.
// Per-call latency (p50, p99, p99.9), loader calls against keys × cycles, and every value checked: its id
// is its key, and its version (one per loader call) is never older than its ttl + grace allows.
import * as contenders from './lib/contenders.mjs';
import { profiled } from './lib/profiler.mjs';
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
const KEYS = 1000;
const CALLERS = 32;
const LOADER_MS = 5;
/** The layers' ttl, and how many times each key expires in the measured phase of a round. */
const TTL = size(env, 400, 200);
const CYCLES = size(env, 3, 2);
/** The measured phase: CYCLES ttls and half a ttl more (see `cycles` in the notes). */
const PHASE_MS = (CYCLES + 0.5) * TTL;
/** Grace of the SWR contenders: far more than a refresh takes (5 ms and a Redis read). */
const GRACE = TTL;
/**
 * A layer's copy of a value is written a little after its load resolved (Redis's, after a round trip, which
 * took over 100 ms in rounds where the machine starved the process): a value may be served this much
 * later than ttl + grace after its load resolved, and an expiry seen this much late counts as a cycle.
 */
const WRITE_SLACK_MS = 250;
/** Versions remembered per key (a key loads 1 + CYCLES times in a round; more is a stampede). */
const MAX_VERSIONS = 64;
/** A load that starts this much before the value it replaces reached its ttl is early (clock rounding). */
const CLOCK_SLACK_MS = 2;
/** Per-call latencies of one round (all callers), in ms. */
const latencies = new Float64Array(size(env, 4_000_000, 2_000_000));
const options = { url: env.url, tag: env.tag, l1Max: 20_000 };

/** Marks a contender with its freshness settings: its ttl, and how old a value it may serve. */
function expiring(contender, { ttl, grace }) {
  return Object.assign(contender, { w7: { ttl, maxAge: ttl + grace + WRITE_SLACK_MS } });
}

/**
 * The measured section (one fresh copy per contender): `callers` workers, each going through the keys
 * in order from its own offset until the deadline, one getOrLoad at a time. Each call starts from a
 * macrotask (setImmediate), as a request's handler would: the event loop turns between calls, so loader
 * timers and Redis replies are handled while the callers read, and a call's time is its own work (and
 * what it waits for), not the other callers' turns. Returns the number of calls and the checks' counts.
 */
async function readLoop(getOrLoad, loader, keys, s) {
  const { latencies, loadedAt, seen, lastRead, maxVersions, maxAge, deadline, callers } = s;
  const count = keys.length;
  const capacity = latencies.length;
  let n = 0;
  let calls = 0;
  let wrong = 0;
  let tooOld = 0;
  let regressions = 0;
  let firstError;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const worker = async (offset) => {
    for (let i = offset; ; i = i + 1 === count ? 0 : i + 1) {
      await turn();
      const start = performance.now();
      if (start >= deadline) return;
      const key = keys[i];
      const floor = seen[i];
      lastRead[i] = start;
      const value = await getOrLoad(key, loader);
      const elapsed = performance.now() - start;
      if (n < capacity) latencies[n++] = elapsed;
      calls++;
      if (value === undefined || value.id !== key) {
        wrong++;
        firstError ??= `getOrLoad(${key}) returned ${JSON.stringify(value)}`;
        continue;
      }
      const version = value.version;
      const at = version < maxVersions ? loadedAt[i * maxVersions + version] : NaN;
      // Loaded more than ttl + grace (+ slack) before the read began, or never: stale beyond grace.
      if (!(start - at <= maxAge)) tooOld++;
      // A read that began after another read of the key resolved must not get an older version.
      if (version < floor) regressions++;
      else if (version > seen[i]) seen[i] = version;
    }
  };
  const step = Math.max(1, Math.floor(count / callers));
  await Promise.all(Array.from({ length: callers }, (_, c) => worker((c * step) % count)));
  return { n, calls, wrong, tooOld, regressions, firstError };
}

/**
 * Cycles and loads of one round, key by key. Load j of a key (j = 1 is the prime) started at
 * `startedAt[j]` and resolved at `loadedAt[j]`; its value is fresh until at least `loadedAt[j] + ttl`.
 * - An early load: load j + 1 started before `loadedAt[j] + ttl` (less CLOCK_SLACK_MS): a second load for
 *   one expiry, i.e. a stampede.
 * - A cycle: an expiry of the key that a read saw: each load after the prime that was not early, plus
 *   the key's last value when a read began at least ttl + WRITE_SLACK_MS after that value loaded and no
 *   load followed (an unrefreshed cycle).
 * No stampede and every cycle refreshed: loads = cycles, i.e. no early load and no unrefreshed cycle.
 * The lag of a reload: from `loadedAt[j] + ttl` (about when value j expired) to when load j + 1 started.
 */
function countCycles({ versions, startedAt, loadedAt, lastRead, ttl }) {
  let cycles = 0;
  let early = 0;
  let unrefreshed = 0;
  let fullKeys = 0;
  const lags = [];
  for (let i = 0; i < versions.length; i++) {
    const at = i * MAX_VERSIONS;
    const last = Math.min(versions[i], MAX_VERSIONS - 1);
    let keyCycles = 0;
    for (let j = 2; j <= last; j++) {
      const lag = startedAt[at + j] - (loadedAt[at + j - 1] + ttl);
      if (lag < -CLOCK_SLACK_MS) {
        early++;
      } else {
        keyCycles++;
        lags.push(lag);
      }
    }
    if (lastRead[i] >= loadedAt[at + last] + ttl + WRITE_SLACK_MS) {
      unrefreshed++;
      keyCycles++;
    }
    cycles += keyCycles;
    if (keyCycles >= CYCLES) fullKeys++;
  }
  lags.sort((a, b) => a - b);
  const lagP50 = lags.length === 0 ? 0 : lags[Math.floor((lags.length - 1) / 2)];
  const lagMax = lags.length === 0 ? 0 : lags[lags.length - 1];
  return { cycles, early, unrefreshed, fullKeys, lagP50, lagMax };
}

/** p50, p99 and p99.9 of the first n latencies (sorted in place; linear interpolation, as stats.mjs). */
function percentiles(n) {
  const sorted = latencies.subarray(0, n).sort();
  const at = (q) => {
    const position = (n - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  };
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

await runWorkload(env, {
  id: 'W7',
  title: `${KEYS} hot keys expiring (ttl ${TTL} ms, ${CYCLES} cycles a round), ${CALLERS} callers, loader ${LOADER_MS} ms`,
  unit: 'µs p99',
  better: 'lower',
  extraLabels: {
    p50: 'p50 µs',
    p999: 'p99.9 µs',
    calls: 'calls',
    loads: 'loader calls',
    cycles: 'cycles seen',
    early: 'early loads',
    fullKeys: `keys with ${CYCLES} cycles`,
    lagP50: 'reload lag ms p50',
    staleHits: 'stale hits',
    refreshes: 'refreshes',
    pastGrace: 'past ttl + grace',
    regressions: 'older than read before',
  },
  contenders: [
    () =>
      expiring(contenders.delegatedStoreExpiring(options, { ttl: TTL, grace: GRACE }), {
        ttl: TTL,
        grace: GRACE,
      }),
    ...contenders
      .baselineContenders({ ...options, l1Ttl: TTL, l2Ttl: TTL, grace: GRACE })
      .map((make) => () => expiring(make(), { ttl: TTL, grace: GRACE })),
    () =>
      expiring(
        contenders.delegatedStoreExpiring(options, {
          ttl: TTL,
          grace: 0,
          name: 'delegated-store (no grace)',
        }),
        { ttl: TTL, grace: 0 },
      ),
    () =>
      expiring(contenders.bentocacheGrace(options, { ttl: TTL, grace: GRACE }), {
        ttl: TTL,
        grace: GRACE,
      }),
    // The reference: the same store (grace on both layers) with a ttl that outlives the run, so that
    // every call is an L1 hit of a fresh key.
    () =>
      expiring(
        contenders.delegatedStoreExpiring(options, {
          ttl: contenders.L1_TTL,
          grace: GRACE,
          name: 'delegated-store L1 hit (keys fresh)',
          kind: 'baseline',
        }),
        { ttl: contenders.L1_TTL, grace: GRACE },
      ),
  ],
  async run(contender, round, { index }) {
    // Fresh keys every round: each starts the round loaded once (the prime), then expires CYCLES times.
    const keys = Array.from({ length: KEYS }, (_, i) => `${env.tag}-w7-${index}-${round}-${i}`);
    const indexOf = new Map(keys.map((key, i) => [key, i]));
    const versions = new Uint16Array(KEYS);
    const loadedAt = new Float64Array(KEYS * MAX_VERSIONS).fill(NaN);
    const startedAt = new Float64Array(KEYS * MAX_VERSIONS).fill(NaN);
    const seen = new Uint16Array(KEYS);
    const lastRead = new Float64Array(KEYS).fill(-Infinity);
    let loads = 0;
    const loader = async (key) => {
      const i = indexOf.get(key);
      const version = ++versions[i];
      loads++;
      if (version < MAX_VERSIONS) startedAt[i * MAX_VERSIONS + version] = performance.now();
      await sleep(LOADER_MS);
      if (version < MAX_VERSIONS) loadedAt[i * MAX_VERSIONS + version] = performance.now();
      return contenders.makeValue(key, version);
    };
    // The prime: every key loaded once, at the same moment (so they expire together, the worst case).
    const primed = await Promise.all(keys.map((key) => contender.getOrLoad(key, loader)));
    // The phase is timed from the prime's end (not from after the drain): its loads are the cycles' origin.
    const deadline = performance.now() + PHASE_MS;
    check(
      primed.every((value, i) => value?.id === keys[i]),
      contender.name,
      'a prime read got a wrong value',
    );
    await contender.drain();
    check(loads === KEYS, contender.name, `the prime made ${loads} loader calls, not ${KEYS}`);
    const primeLoads = loads;

    const memoryStats = () => contender.store?.stats().layers[0];
    const statsBefore = memoryStats();
    contender.readLoop ??= freshCopy(readLoop);
    const result = await profiled(() =>
      contender.readLoop(contender.getOrLoad, loader, keys, {
        latencies,
        loadedAt,
        seen,
        lastRead,
        maxVersions: MAX_VERSIONS,
        maxAge: contender.w7.maxAge,
        deadline,
        callers: CALLERS,
      }),
    );
    await contender.drain();
    check(
      result.wrong === 0,
      contender.name,
      `${result.wrong} of ${result.calls} reads returned a wrong value; first: ${result.firstError}`,
    );
    const { p50, p99, p999 } = percentiles(result.n);
    const { cycles, early, unrefreshed, fullKeys, lagP50, lagMax } = countCycles({
      versions,
      startedAt,
      loadedAt,
      lastRead,
      ttl: contender.w7.ttl,
    });
    return {
      value: p99 * 1000,
      p50: p50 * 1000,
      p999: p999 * 1000,
      calls: result.calls,
      loads: loads - primeLoads,
      cycles,
      early,
      unrefreshed,
      fullKeys,
      lagP50,
      lagMax,
      maxLoadsPerKey: Math.max(...versions) - 1,
      staleHits: statsBefore ? memoryStats().staleHits - statsBefore.staleHits : '–',
      refreshes: statsBefore ? memoryStats().refreshes - statsBefore.refreshes : '–',
      pastGrace: result.tooOld,
      regressions: result.regressions,
    };
  },
  rounds: roundsFor(env, 7, 3),
  targets: (byName) => {
    const loadTarget = (name, text, info = false) => {
      const row = byName[name];
      if (!row) return { text, pass: undefined, detail: `${name} not run` };
      const { loads, cycles, early, unrefreshed, fullKeys, maxLoadsPerKey } = row.extraSamples;
      const span = (list) => {
        const low = Math.min(...list);
        const high = Math.max(...list);
        return low === high ? `${low}` : `${low} – ${high}`;
      };
      return {
        text,
        info,
        pass: info ? undefined : loads.every((count, r) => count === cycles[r] && early[r] === 0),
        detail: `${span(loads)} loader calls for ${span(cycles)} cycles (nominal ${KEYS} × ${CYCLES} = ${KEYS * CYCLES}; keys with ${CYCLES} cycles: ${span(fullKeys)}), ${span(early)} early, ${span(unrefreshed)} unrefreshed, at most ${Math.max(...maxLoadsPerKey)} loads of a key; ${loads.length} rounds`,
      };
    };
    return [
      ratioTarget(
        'delegated-store with grace: p99 ≤ 1.5× the p99 of an L1 hit (keys fresh)',
        byName,
        'delegated-store',
        'delegated-store L1 hit (keys fresh)',
        1.5,
        { atMost: true },
      ),
      loadTarget(
        'delegated-store',
        'delegated-store with grace: loader calls = cycles, one per expiry of a key (no stampede, none unrefreshed)',
      ),
      ...['delegated-store', 'delegated-store (no grace)'].map((name) => {
        const row = byName[name];
        return {
          text: `${name}: no value served past its ttl${name === 'delegated-store' ? ' + grace' : ''} (+ ${WRITE_SLACK_MS} ms)`,
          pass: row ? row.extraSamples.pastGrace.every((count) => count === 0) : undefined,
          detail: row ? `${Math.max(...row.extraSamples.pastGrace)} at most in a round` : 'not run',
        };
      }),
      {
        text: 'delegated-store with grace: no read older than a read before it',
        pass: byName['delegated-store']
          ? byName['delegated-store'].extraSamples.regressions.every((r) => r === 0)
          : undefined,
        detail: byName['delegated-store']
          ? `${Math.max(...byName['delegated-store'].extraSamples.regressions)} at most in a round`
          : 'not run',
      },
      ratioTarget(
        'delegated-store without grace: p99 against the L1 hit',
        byName,
        'delegated-store (no grace)',
        'delegated-store L1 hit (keys fresh)',
        1,
        { atMost: true, info: true },
      ),
      loadTarget('delegated-store (no grace)', 'delegated-store without grace: loader calls', true),
      ratioTarget(
        'bentocache (grace, timeout 0): p99 against delegated-store with grace',
        byName,
        'bentocache (grace, timeout 0)',
        'delegated-store',
        1,
        { atMost: true, info: true },
      ),
      loadTarget('bentocache (grace, timeout 0)', 'bentocache (grace, timeout 0): loader calls', true),
      ...baselineTargets(byName, contenders.BASELINE, ['p50']),
    ];
  },
  notes: [
    `Per round and contender: ${KEYS} fresh keys are loaded at once (the prime, ${KEYS} loader calls, not measured), then ${CALLERS} callers read them in turn for ${PHASE_MS} ms ((${CYCLES} + ½) × the ttl of ${TTL} ms), each call from its own event-loop turn (setImmediate).`,
    `Latency: every call of the round (performance.now() around the await), p50 / p99 / p99.9 of the round, median over rounds, in µs.`,
    `Cycles: value j of a key (load j; 1 is the prime) expires a ttl after its load resolved, and the first read after that reloads it. A cycle is an expiry that a read saw: each reload that started after the value it replaces had expired, plus a last expiry that a read saw at least ${WRITE_SLACK_MS} ms late with no reload after it ("unrefreshed"). A reload that started earlier is "early": a second load for one expiry (a stampede). Target: loader calls = cycles seen. Every key is read every few ms, so a key expires ${CYCLES} times in the phase (nominal: keys × ${CYCLES}) when each reload lags its expiry by under ${(TTL / 2 / CYCLES).toFixed(0)} ms; fewer under load, or when callers block on loads (no grace).`,
    `Grace: ${GRACE} ms on both layers (bentocache: grace ${TTL + GRACE} ms from the write, timeout 0). Checks: each value's id is its key, and its version (one per loader call) tells when it was loaded.`,
    `"past ttl + grace": reads whose value was loaded more than ttl + grace + ${WRITE_SLACK_MS} ms before the read began (a layer's copy is written a little after the load resolves, Redis's after a round trip). "older than read before": reads that got an older version than a read of the key that had resolved before they began. Both counted, not failed; a value whose id is not its key fails the run.`,
  ],
});
