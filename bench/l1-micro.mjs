// The L1 structure alone: MemoryStore's LruMap against lru-cache (set up as MemoryStore was on it) and
// toad-cache (layered-loader's), synchronously, on a full cache of 10k entries with a 10 min ttl:
//   get-hit  a read of a present key (expiry check and recency bump), keys in order
//   set      a write of a present key (new value, new expiry)
//   evict    a write of an absent key on a full cache (the least recently used entry goes), with a
//            value allocated just before, as W6's loop does with what it parsed
// CPU time of the process per operation (process.cpuUsage), every contender once per round in a rotated
// order; ratios are per round, against lru-cache with a ttl, reported as median (middle half).
// Needs `npm run build`. BENCH_ROUNDS (default 15), BENCH_OPS (operations per measurement, default 1M).
import { LRUCache } from 'lru-cache';
import { LruMap as ToadLru } from 'toad-cache';
import { coarseNow } from '../dist/lib/stores/coarse-clock.js';
import { LruMap } from '../dist/lib/stores/lru-map.js';

const MAX = 10_000;
const TTL = 600_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const OPS = Number(process.env.BENCH_OPS ?? 1_000_000);
const keys = Array.from({ length: 2 * MAX }, (_, i) => `key-${i}`);

/** Each contender: how to build it full, and its get and set, as text compiled into its own loops. */
const contenders = {
  LruMap: {
    build: () => new LruMap(MAX, coarseNow),
    get: 'c.get(k)',
    set: 'c.set(k, v, Date.now() + 600000)',
  },
  'LruMap, Date.now() per read': {
    build: () => new LruMap(MAX, Date.now),
    get: 'c.get(k)',
    set: 'c.set(k, v, Date.now() + 600000)',
  },
  'lru-cache, ttl': {
    build: () =>
      new LRUCache({
        max: MAX,
        ttl: TTL,
        ttlAutopurge: false,
        ttlResolution: 1,
        perf: Date,
        allowStale: false,
      }),
    get: 'c.get(k)',
    set: 'c.set(k, v, o)',
  },
  'lru-cache, no ttl': { build: () => new LRUCache({ max: MAX }), get: 'c.get(k)', set: 'c.set(k, v)' },
  'toad-cache, ttl': { build: () => new ToadLru(MAX, TTL), get: 'c.get(k)', set: 'c.set(k, v)' },
};

/** A loop of `n` operations of one kind, compiled for one contender (its own call sites and feedback). */
function compile(name, kind, op) {
  const body = {
    'get-hit': `let s = 0; for (let i = 0; i < n; i++) { const k = keys[i % ${MAX}]; if (${op} !== undefined) s++; } return s;`,
    set: `for (let i = 0; i < n; i++) { const k = keys[i % ${MAX}]; const v = { id: i }; ${op}; } return n;`,
    evict: `let j = start; for (let i = 0; i < n; i++) { const k = keys[j]; j = j + 1 === ${2 * MAX} ? 0 : j + 1; const v = { id: i }; ${op}; } return j;`,
  }[kind];
  // The name in a comment keeps V8 from sharing one compiled function between contenders.
  return new Function('c', 'keys', 'n', 'o', 'start', `/* ${name} ${kind} */ ${body}`);
}

const kinds = ['get-hit', 'set', 'evict'];
const state = {};
for (const [name, c] of Object.entries(contenders)) {
  const cache = c.build();
  state[name] = {
    cache,
    next: -1, // evict: the next absent key (-1: the cache is not filled yet)
    loops: {
      'get-hit': compile(name, 'get-hit', c.get),
      set: compile(name, 'set', c.set),
      evict: compile(name, 'evict', c.set),
    },
  };
}
const setOptions = { ttl: TTL };

function measure(name, kind, n) {
  const s = state[name];
  const before = process.cpuUsage();
  const out = s.loops[kind](s.cache, keys, n, setOptions, s.next);
  const used = process.cpuUsage(before);
  if (kind === 'evict') s.next = out;
  return ((used.user + used.system) * 1000) / n; // ns per operation
}

/** Puts keys 0 .. MAX-1 back (after evict), so that get-hit and set find every key they ask for. */
function restore(name) {
  const s = state[name];
  if (s.next !== MAX) s.next = s.loops.evict(s.cache, keys, MAX, setOptions, 0);
}

const names = Object.keys(contenders);
const results = Object.fromEntries(names.map((n) => [n, Object.fromEntries(kinds.map((k) => [k, []]))]));
for (let round = -1; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]);
  if (round % 2 === 1) order.reverse();
  for (const kind of kinds) {
    for (const name of order) {
      restore(name);
      const ns = measure(name, kind, OPS);
      if (round >= 0) results[name][kind].push(ns);
    }
  }
}

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
}
const reference = 'lru-cache, ttl';
console.log(
  `L1 alone, ${MAX / 1000}k entries, CPU ns per operation, median of ${ROUNDS} rounds of ${OPS} ops`,
);
console.log(`ratio: per-round CPU time against ${reference}, median (middle half)`);
for (const kind of kinds) {
  console.log(`\n${kind}`);
  for (const name of names) {
    const xs = results[name][kind];
    const ratios = xs.map((x, i) => x / results[reference][kind][i]);
    console.log(
      `  ${name.padEnd(30)} ${median(xs).toFixed(1).padStart(7)} ns   ${median(ratios).toFixed(2)}× (${quantile(ratios, 0.25).toFixed(2)} – ${quantile(ratios, 0.75).toFixed(2)})`,
    );
  }
}
