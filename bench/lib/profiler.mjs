// CPU profiles of the measured sections only (not of the setup that fills Redis): with BENCH_PROFILE=<dir>,
// each measured section is profiled through the inspector and written to <dir>/<pid>-<n>.cpuprofile.
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

let session;
let count = 0;

export async function profiled(fn) {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return fn();
  if (session === undefined) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
  }
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${process.pid}-${++count}.cpuprofile`), JSON.stringify(profile));
  }
}
