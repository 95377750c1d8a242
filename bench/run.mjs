// `npm run bench`: runs every workload in its own Node process against one Redis, prints the tables and the
// target checks, and writes bench/results/latest.{json,md} (and bench/RESULTS.md with --save).
//
//   node bench/run.mjs [--quick] [--only w1,w3] [--rounds 5] [--save] [--baseline <git ref>]
//   REDIS_URL=redis://host:port node bench/run.mjs   (else a scratch redis-server on a free port)
// --baseline builds lib/ of that commit into bench/.baseline/<sha>/ and runs it as one more contender,
// `delegated-store (<ref>)`, so that a change is measured against it in the same run.
//   BENCH_CLUSTER_NODES=host:port,... node bench/run.mjs --only w6c   (else a scratch 3-master cluster)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startScratchRedis } from './lib/redis.mjs';
import { formatMarkdown, formatWorkload } from './lib/table.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');

const WORKLOADS = [
  { id: 'w1', script: 'w1-l1-hit.mjs' },
  { id: 'w2', script: 'w2-redis-first-get.mjs' },
  { id: 'w3', script: 'w3-stampede.mjs' },
  { id: 'w4', script: 'w4-zipf-mixed.mjs' },
  // Full GCs for heap readings; no bytecode flushing, which would free code between two readings.
  { id: 'w5', script: 'w5-heap-per-entry.mjs', nodeFlags: ['--expose-gc', '--no-flush-bytecode'] },
  { id: 'w6', script: 'w6-get-many.mjs' },
  // W6 on a Redis Cluster (BENCH_CLUSTER_NODES, else a scratch cluster of 3 masters).
  { id: 'w6c', script: 'w6c-get-many-cluster.mjs' },
  { id: 'w7', script: 'w7-hot-key-expiry.mjs' },
];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    save: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: node bench/run.mjs [--quick] [--only w1,w3] [--rounds N] [--save] [--baseline <git ref>]  (REDIS_URL to use a Redis)',
  );
  process.exit(0);
}
const only = args.only
  ?.toLowerCase()
  .split(',')
  .map((id) => id.trim());
const selected = WORKLOADS.filter((workload) => only === undefined || only.includes(workload.id));
if (selected.length === 0) {
  console.error(`--only ${args.only}: no such workload (${WORKLOADS.map((w) => w.id).join(', ')})`);
  process.exit(2);
}
if (!existsSync(join(here, '..', 'dist', 'lib', 'index.js'))) {
  console.error('dist/lib is missing: run `npm run build` first (`npm run bench` does it).');
  process.exit(2);
}

let redis;
let child;
function cleanUp() {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  redis?.stop();
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

/** Compiles lib/ of the commit `ref` into bench/.baseline/<sha>/dist (kept: the next run reuses it). */
function buildBaseline(ref) {
  const root = join(here, '..');
  const git = (...gitArgs) => execFileSync('git', ['-C', root, ...gitArgs], { encoding: 'utf8' }).trim();
  const sha = git('rev-parse', '--short', `${ref}^{commit}`);
  const dir = join(here, '.baseline', sha);
  const dist = join(dir, 'dist');
  if (existsSync(join(dist, 'lib', 'index.js'))) return dist;
  console.log(`building the baseline ${ref} (${sha}) into ${dir}`);
  execFileSync('sh', [
    '-c',
    `rm -rf "${dir}" && mkdir -p "${dir}" && git -C "${root}" archive ${sha} lib tsconfig.json | tar -x -C "${dir}"`,
  ]);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Its imports (lru-cache, rxjs, ioredis) resolve to this checkout's node_modules, two folders up.
  execFileSync(
    process.execPath,
    [
      tsc,
      '-p',
      join(dir, 'tsconfig.json'),
      '--outDir',
      dist,
      '--rootDir',
      dir,
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ],
    { stdio: 'inherit' },
  );
  return dist;
}

function runChild(workload, env) {
  return new Promise((resolve) => {
    child = spawn(process.execPath, [...(workload.nodeFlags ?? []), join(here, workload.script)], {
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function main() {
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  let url = process.env.REDIS_URL;
  if (url === undefined) {
    redis = await startScratchRedis();
    url = redis.url;
    console.log(`scratch redis-server on ${url} (pid ${redis.pid})`);
  } else {
    console.log(
      `using REDIS_URL ${url.replace(/\/\/[^@]*@/, '//***@')}: command counts are shared with other clients`,
    );
  }
  const baseline =
    args.baseline === undefined
      ? {}
      : { BENCH_BASELINE: buildBaseline(args.baseline), BENCH_BASELINE_NAME: args.baseline };
  const probe = new Redis(url);
  const redisVersion = /redis_version:(\S+)/.exec(await probe.info('server'))?.[1] ?? '?';
  probe.disconnect();

  await mkdir(resultsDir, { recursive: true });
  const results = [];
  for (const workload of selected) {
    const out = join(resultsDir, `${workload.id}.json`);
    await rm(out, { force: true });
    console.log(`\n── ${workload.id.toUpperCase()} (${workload.script})`);
    const env = {
      ...process.env,
      BENCH_REDIS_URL: url,
      BENCH_SCRATCH: redis ? '1' : '0',
      BENCH_QUICK: args.quick ? '1' : '0',
      BENCH_OUT: out,
      BENCH_TAG: `b${process.pid}`,
      ...(args.rounds ? { BENCH_ROUNDS: args.rounds } : {}),
      ...baseline,
    };
    const { code, signal, stderr } = await runChild(workload, env);
    let result;
    if (code === 0 && existsSync(out)) {
      result = JSON.parse(await readFile(out, 'utf8'));
    } else {
      const reason = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
      result = { id: workload.id.toUpperCase(), error: `exit ${signal ?? code}: ${reason}`, targets: [] };
    }
    results.push(result);
    console.log('\n' + formatWorkload(result));
  }

  const loadAfter = os.loadavg()[0];
  const cores = os.cpus().length;
  const busy = Math.max(loadBefore, loadAfter) > cores * 0.5;
  const meta = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: `${cores} × ${os.cpus()[0]?.model?.trim() ?? 'cpu'}, ${os.platform()} ${os.release()}`,
    node: process.version,
    redis: `${redisVersion}${redis ? ' (scratch, loopback)' : ' (REDIS_URL)'}`,
    quick: args.quick,
    baseline: args.baseline,
    load: { before: loadBefore, after: loadAfter, cores },
    minutes: (Date.now() - started) / 60_000,
    note: [
      args.quick ? 'Quick run (--quick): fewer rounds and operations, for a smoke test.' : '',
      busy
        ? `Busy machine: load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${cores} cores, so the numbers are noisy.`
        : '',
    ]
      .filter(Boolean)
      .join(' '),
  };
  const summary = results.flatMap((result) =>
    (result.targets ?? []).map(
      (t) =>
        `  ${t.info ? 'info' : t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'FAIL'} ${result.id}: ${t.text}${t.ratio === undefined ? '' : ` (${t.ratio.toFixed(2)}×)`}${t.detail ? ` ${t.detail}` : ''}`,
    ),
  );
  console.log(`\nTargets\n${summary.join('\n')}`);
  const failed = results.filter((result) => result.error);
  for (const result of failed) console.log(`  ERROR ${result.id}: ${result.error}`);
  console.log(`\n${meta.note ? meta.note + '\n' : ''}Done in ${meta.minutes.toFixed(1)} min.`);

  const markdown = formatMarkdown(results, meta);
  await writeFile(join(resultsDir, 'latest.json'), JSON.stringify({ meta, results }, null, 2));
  await writeFile(join(resultsDir, 'latest.md'), markdown);
  console.log('Wrote bench/results/latest.json and bench/results/latest.md');
  if (args.save) {
    // The hand-written analysis of the last saved run (the profiles behind each missed target) follows
    // the tables: update bench/RESULTS-notes.md when the figures change.
    const notesFile = join(here, 'RESULTS-notes.md');
    const notes = existsSync(notesFile) ? `\n${await readFile(notesFile, 'utf8')}` : '';
    await writeFile(join(here, 'RESULTS.md'), markdown + notes);
    console.log('Wrote bench/RESULTS.md');
  }
  return failed.length === 0 ? 0 : 1;
}

main()
  .then((code) => {
    cleanUp();
    process.exit(code);
  })
  .catch((error) => {
    console.error(error);
    cleanUp();
    process.exit(1);
  });
