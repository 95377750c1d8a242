// Summarises V8 CPU profiles: the functions with the most self time, and their share of the samples.
//
//   BENCH_CONTENDERS=delegated-store node --cpu-prof --cpu-prof-dir=/tmp/prof bench/w1-l1-hit.mjs
//   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25] [--by-file] [--merge]
// --by-file adds self time per file (node_modules package, dist/lib file, bench file, node internals);
// --merge sums all the files into one summary; --ops N adds the time per operation (N operations in all). Profiles of the measured sections only:
//   BENCH_PROFILE=/tmp/prof BENCH_CONTENDERS=delegated-store node bench/w4-zipf-mixed.mjs
//   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile --merge --by-file
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    'by-file': { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    ops: { type: 'string' },
  },
});
if (positionals.length === 0) {
  console.error(
    'usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top 25] [--by-file] [--merge] [--ops N]',
  );
  process.exit(2);
}

/** The file a frame belongs to, with node_modules folded into its package. */
function fileOf(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return '(node internals)';
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return packaged ? packaged[1] : relative(process.cwd(), url);
}

function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const file = url === '' ? '' : url.startsWith('/') ? relative(process.cwd(), url) : url;
  if (file === '') return '';
  // Minified files are one line: the column tells the functions apart.
  return frame.lineNumber === 0 ? `${file}:1:${frame.columnNumber + 1}` : `${file}:${frame.lineNumber + 1}`;
}

function emptyTally(label) {
  return { label, self: new Map(), files: new Map(), total: 0, micros: 0 };
}

async function add(tally, path) {
  const profile = JSON.parse(await readFile(path, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Each sample is one tick in the node that was on top of the stack.
  tally.micros += profile.endTime - profile.startTime;
  for (const id of profile.samples) {
    const frame = byId.get(id).callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${where(frame)}`.trim();
    tally.self.set(name, (tally.self.get(name) ?? 0) + 1);
    const file = fileOf(frame);
    tally.files.set(file, (tally.files.get(file) ?? 0) + 1);
    tally.total++;
  }
}

function print({ label, self, files, total, micros }) {
  // With --ops N (the measured sections did N operations in all): each function's share of the samples
  // times the profiled wall time, per operation. Samples are regular, so their share is a share of time.
  const ops = values.ops === undefined ? undefined : Number(values.ops);
  const perOp = (count) =>
    ops === undefined ? '' : `${((count / total) * (micros / ops)).toFixed(2).padStart(7)} µs/op`;
  const share = (count) => `${((100 * count) / total).toFixed(1).padStart(5)}%`;
  const idle = (self.get('(idle)') ?? 0) + (self.get('(program)') ?? 0);
  console.log(`${label}: ${total} samples (${share(idle).trim()} idle/program)`);
  const top = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  if (ops !== undefined) {
    const busy = total - (self.get('(idle)') ?? 0);
    console.log(`  ${(micros / ops).toFixed(2)} µs/op in all, ${perOp(busy).trim()} not idle (${ops} ops)`);
  }
  for (const [name, count] of top(self)) console.log(`  ${share(count)}${perOp(count)}  ${name}`);
  if (values['by-file']) {
    console.log('  by file:');
    for (const [file, count] of top(files)) console.log(`  ${share(count)}${perOp(count)}  ${file}`);
  }
}

if (values.merge) {
  const tally = emptyTally(`${positionals.length} profiles`);
  for (const path of positionals) await add(tally, path);
  print(tally);
} else {
  for (const path of positionals) {
    const tally = emptyTally(path);
    await add(tally, path);
    print(tally);
  }
}
