// The frame every workload script runs in: settings from the environment, a Redis, interleaved rounds,
// medians, target checks, and the JSON result (written to BENCH_OUT, or printed when run on its own).
import { writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { deleteTagged, startScratchRedis } from './redis.mjs';
import { formatRatio, pairedRatio, summarize } from './stats.mjs';
import { printWorkload } from './table.mjs';

/**
 * Settings shared by every workload, from the environment that bench/run.mjs sets:
 * BENCH_REDIS_URL (else REDIS_URL, else a scratch Redis), BENCH_SCRATCH=1 when that Redis is ours alone,
 * BENCH_QUICK=1, BENCH_ROUNDS, BENCH_OUT (result file), BENCH_CONTENDERS (comma list, e.g. to profile one).
 * A quick run, unless BENCH_CONTENDERS says otherwise, runs the store and layered-loader (the targets'
 * reference) only: the other peers are the slow part of a run, and a smoke test needs the ratios.
 */
export async function benchEnv() {
  let url = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL;
  let scratch = process.env.BENCH_SCRATCH === '1';
  let stopRedis = () => {};
  if (url === undefined) {
    const redis = await startScratchRedis();
    url = redis.url;
    scratch = true;
    stopRedis = redis.stop;
  }
  const quick = process.env.BENCH_QUICK === '1';
  const only = process.env.BENCH_CONTENDERS?.split(',').map((name) => name.trim());
  return {
    url,
    scratch,
    quick,
    rounds: Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5)),
    roundsGiven: process.env.BENCH_ROUNDS !== undefined,
    out: process.env.BENCH_OUT,
    // Every key this run writes contains the tag: a shared Redis is cleaned by it, contenders never collide.
    tag: process.env.BENCH_TAG ?? `b${process.pid}`,
    wanted: (name) => (only === undefined ? !quick || QUICK_CONTENDERS.test(name) : only.includes(name)),
    stopRedis,
  };
}

/** The contenders of a quick run: the store's configurations (not its diagnostic variants) and layered-loader. */
const QUICK_CONTENDERS = /^(delegated-store(?! \(ioredis)|layered-loader)/;

/** `count` in quick mode, `full` otherwise. */
export function size(env, full, quick) {
  return env.quick ? quick : full;
}

/** Recorded rounds: --rounds when given, else `full` (or `quick` with --quick) for this workload. */
export function roundsFor(env, full, quick) {
  return env.roundsGiven ? env.rounds : size(env, full, quick);
}

/** Round r runs the contenders in a rotated order, reversed every other round: no one is always first. */
export function roundOrder(items, round) {
  const shift = round % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return round % 2 === 1 ? rotated.reverse() : rotated;
}

/**
 * Runs a workload. `spec.contenders` are functions that build a contender (see contenders.mjs);
 * `spec.setup(contender, ctx)` prepares one, `spec.run(contender, round, ctx)` measures it once and returns
 * a sample `{ value, ...extras }`; ctx is `{ admin, env, index }` (admin: a raw ioredis client). Rounds are
 * interleaved (see roundOrder), after `spec.warmup` (default 1) unrecorded warm-up rounds; `spec.rounds`
 * replaces the default number of rounds (env.rounds).
 * `spec.targets(byName)` returns `[{ text, pass, ratio?, detail? }]`. Writes or prints the result.
 */
export async function runWorkload(env, spec) {
  const admin = new Redis(env.url);
  const contenders = [];
  const samples = new Map();
  const started = performance.now();
  const rounds = spec.rounds ?? env.rounds;
  try {
    if (env.scratch) await admin.flushall();
    for (const make of spec.contenders) {
      const contender = make();
      if (!env.wanted(contender.name)) {
        await contender.close();
        continue;
      }
      contenders.push(contender);
      samples.set(contender, []);
      await spec.setup?.(contender, { admin, env, index: contenders.length - 1 });
    }
    const warmups = spec.warmup ?? 1;
    for (let round = -warmups; round < rounds; round++) {
      for (const contender of roundOrder(contenders, round + warmups)) {
        const ctx = { admin, env, index: contenders.indexOf(contender) };
        const sample = await spec.run(contender, round, ctx);
        if (round >= 0) samples.get(contender).push(sample);
      }
      log(`${spec.id} ${round < 0 ? 'warm-up round' : `round ${round + 1}/${rounds}`} done`);
    }
  } finally {
    for (const contender of contenders) await contender.close().catch(() => {});
    if (!env.scratch) await deleteTagged(admin, env.tag);
    admin.disconnect();
  }
  const result = summarizeWorkload(spec, contenders, samples);
  result.targets = spec.targets?.(Object.fromEntries(result.contenders.map((c) => [c.name, c]))) ?? [];
  result.seconds = (performance.now() - started) / 1000;
  result.rounds = rounds;
  result.sharedRedis = !env.scratch;
  if (env.out) await writeFile(env.out, JSON.stringify(result, null, 2));
  else printWorkload(result);
  env.stopRedis();
  return result;
}

function summarizeWorkload(spec, contenders, samples) {
  const rows = contenders.map((contender) => {
    const list = samples.get(contender);
    const row = {
      name: contender.name,
      kind: contender.kind ?? 'contender',
      ...summarize(list.map((sample) => sample.value)),
      extras: {},
      extraSamples: {},
    };
    for (const key of Object.keys(list[0] ?? {})) {
      if (key === 'value') continue;
      const values = list.map((sample) => sample[key]);
      const numeric = values.every((value) => typeof value === 'number');
      row.extras[key] = numeric ? summarize(values).median : values[values.length - 1];
      if (numeric) row.extraSamples[key] = values;
    }
    return row;
  });
  const higher = spec.better !== 'lower';
  const best = higher ? Math.max(...rows.map((r) => r.median)) : Math.min(...rows.map((r) => r.median));
  for (const row of rows) row.ratioToBest = higher ? row.median / best : best / row.median;
  return {
    id: spec.id,
    title: spec.title,
    unit: spec.unit,
    better: higher ? 'higher' : 'lower',
    extraLabels: spec.extraLabels ?? {},
    notes: spec.notes ?? [],
    contenders: rows,
  };
}

/**
 * Target helper: contender `a` against `b`, as the median of their per-round ratios (see pairedRatio),
 * checked against `threshold`: `a / b ≥ threshold`, or with `atMost` (for times) `a / b ≤ threshold`.
 * `info: true` shows the ratio without a verdict; `metric` compares an extra column (e.g. 'cpuPerOp')
 * instead of the workload's value.
 */
export function ratioTarget(text, byName, a, b, threshold, { atMost = false, info = false, metric } = {}) {
  if (!byName[a] || !byName[b]) return { text, pass: undefined, detail: `${a} or ${b} not run` };
  const samples = (row) => (metric === undefined ? row.samples : row.extraSamples[metric]);
  const paired = pairedRatio(samples(byName[a]), samples(byName[b]));
  const ratio = paired.median;
  return {
    text,
    ratio,
    threshold,
    info,
    pass: info ? undefined : atMost ? ratio <= threshold : ratio >= threshold,
    spread: { q1: paired.q1, q3: paired.q3, min: paired.min, max: paired.max, rounds: paired.samples.length },
    detail: `middle half ${formatRatio(paired.q1)} – ${formatRatio(paired.q3)}, ${paired.samples.length} rounds`,
  };
}

/**
 * With `--baseline <ref>`: the store against the build of that commit, as info lines: by the workload's
 * value, and by each extra column in `metrics` (e.g. 'cpuPerOp').
 */
export function baselineTargets(byName, baseline, metrics = []) {
  if (baseline === undefined) return [];
  return [undefined, ...metrics].map((metric) =>
    ratioTarget(
      `delegated-store against ${baseline}${metric ? `, ${metric}` : ''}`,
      byName,
      'delegated-store',
      baseline,
      1,
      { info: true, metric },
    ),
  );
}

export function log(message) {
  process.stderr.write(`  ${message}\n`);
}

/** Throws loudly when a contender returns a wrong value: a broken contender must not look fast. */
export function check(condition, name, message) {
  if (!condition) throw new Error(`${name}: wrong result: ${message}`);
}

/**
 * A copy of `fn` compiled anew, with inline caches of its own. A measured loop shared by every contender
 * would see all their functions at its call sites and be optimised for none (a megamorphic call is not
 * inlined), so each contender runs its own copy, as if it were alone in its process. `fn` may use only
 * its parameters and globals (its source is compiled again, without the module's scope).
 */
export function freshCopy(fn) {
  return new Function(`return (${fn.toString()});`)();
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
