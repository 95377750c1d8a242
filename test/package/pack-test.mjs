#!/usr/bin/env node
// @ts-check
/**
 * The pack test: the package as users get it. Packs the built package (`npm run build` first), checks
 * what the tarball ships, installs it into a scratch strict-TypeScript NodeNext app in a temp dir,
 * compiles a file that imports `nestjs-delegated-store`, `nestjs-delegated-store/redis` and
 * `nestjs-delegated-store/testing` (with `@ts-expect-error` lines that prove the types are not `any`),
 * and runs it: a core store, the Redis entry loaded, a Nest application with a cached method; then the
 * conformance suite under node:test against a shipped store and a typed store of the app's own.
 *
 * How it installs: the tarball and its own dependencies go through `npm install` as a user's would
 * (from npm's cache when it has them, `--offline`; else `--prefer-offline`). The peer dependencies
 * (@nestjs/common, @nestjs/core, rxjs, reflect-metadata, ioredis) and the compiler are links to this
 * repository's node_modules: the versions CI tested, no download, and seconds instead of a minute.
 *
 * Usage: npm run test:pack (builds first), or node test/package/pack-test.mjs [--keep] after a build
 * (--keep leaves the scratch app for a look; a failed run always leaves it).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const keep = process.argv.includes('--keep');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

class PackTestFailure extends Error {}

/** @param {string} message @returns {never} */
function fail(message) {
  throw new PackTestFailure(message);
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = /** @type {{ stdout?: string; stderr?: string; message: string }} */ (error);
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

// 1. What the tarball ships: the built library, package.json, README, LICENSE, CHANGELOG; nothing else.
const exportTargets = Object.values(pkg.exports).flatMap((target) =>
  typeof target === 'string' ? [target] : Object.values(target),
);
const missingBuild = exportTargets.filter((target) => !existsSync(join(root, target)));
if (missingBuild.length > 0) {
  console.error(
    `pack test: ${missingBuild.join(', ')} (package.json "exports") missing: run npm run build first`,
  );
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'nestjs-delegated-store-pack-'));
let passed = false;
try {
  const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', scratch], root));
  const files = packed.files.map((/** @type {{ path: string }} */ file) => file.path).sort();
  const required = [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    ...exportTargets.map((t) => t.slice(2)),
  ];
  const missing = required.filter((file) => !files.includes(file));
  if (missing.length > 0) fail(`the tarball lacks ${missing.join(', ')}`);
  const extra = files.filter(
    (/** @type {string} */ file) => !required.includes(file) && !file.startsWith('dist/lib/'),
  );
  if (extra.length > 0) fail(`the tarball ships files it should not: ${extra.join(', ')}`);
  console.log(`pack test: ${packed.filename}: ${files.length} files, ${packed.size} bytes`);

  // 2. A scratch app: strict TypeScript, NodeNext, ESM, decorators as a NestJS app has them.
  const app = join(scratch, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          // Stricter than `nest new` (which skips them): the package's own declarations are checked too,
          // so a .d.ts that imports a package users may not have (cache-manager, keyv) fails here.
          skipLibCheck: false,
          types: ['node'],
          outDir: 'dist',
          rootDir: 'src',
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  for (const file of ['main.ts', 'conformance.test.ts']) {
    copyFileSync(join(root, 'test', 'package', 'scratch-app', file), join(app, 'src', file));
  }

  // 3. Install the tarball as a user would; the peers and the compiler are links to this repository's.
  const tarball = join(scratch, packed.filename);
  const install = ['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps'];
  try {
    run(npm, [...install, '--offline'], app);
  } catch {
    console.log('pack test: npm cache incomplete for the dependencies, installing with --prefer-offline');
    run(npm, [...install, '--prefer-offline'], app);
  }
  for (const name of [...Object.keys(pkg.peerDependencies), 'typescript', '@types/node']) {
    const link = join(app, 'node_modules', name);
    if (existsSync(link)) fail(`npm installed the peer ${name}: it should be the app's to install`);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), link, 'dir');
  }
  // The metadata npm and GitHub show: the package.json as installed from the tarball.
  const installed = JSON.parse(
    readFileSync(join(app, 'node_modules', 'nestjs-delegated-store', 'package.json'), 'utf8'),
  );
  const metadataProblems = [
    installed.license === 'MIT' ? '' : `license is ${JSON.stringify(installed.license)}, not "MIT"`,
    installed.repository?.type === 'git' && /^git\+https:\/\/\S+\.git$/.test(installed.repository?.url ?? '')
      ? ''
      : `repository is ${JSON.stringify(installed.repository)}, not { type: "git", url: "git+https://….git" }`,
    /^https:\/\/\S+$/.test(installed.bugs?.url ?? '')
      ? ''
      : `bugs is ${JSON.stringify(installed.bugs)}, not { url }`,
    /^https:\/\/\S+$/.test(installed.homepage ?? '')
      ? ''
      : `homepage is ${JSON.stringify(installed.homepage)}, not a URL`,
  ].filter((problem) => problem !== '');
  if (metadataProblems.length > 0) fail(`the packed package.json: ${metadataProblems.join('; ')}`);

  // 4. Compile (the @ts-expect-error lines fail the compile if the package's types were any) and run.
  run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  const output = run(process.execPath, [join(app, 'dist', 'main.js')], app);
  if (!output.includes('scratch app: ok')) fail(`the scratch app did not finish:\n${output}`);
  // 5. The conformance suite (nestjs-delegated-store/testing) under node:test, as a user runs it.
  const tap = run(
    process.execPath,
    ['--test', '--test-reporter=tap', join(app, 'dist', 'conformance.test.js')],
    app,
  );
  const count = (/** @type {string} */ what) =>
    Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(tap)?.[1] ?? NaN);
  if (!(count('pass') > 0 && count('fail') === 0)) fail(`the conformance suite under node:test:\n${tap}`);
  // 6. ioredis 6: the peer range admits it (npm would refuse the install with ERESOLVE otherwise), and the
  //    app compiles and runs with it in place of ioredis 5.
  const ioredis6 = JSON.parse(readFileSync(join(root, 'node_modules', 'ioredis6', 'package.json'), 'utf8'));
  const range = pkg.peerDependencies.ioredis;
  const semver = createRequire(import.meta.url)('semver');
  if (!semver.satisfies(ioredis6.version, range)) {
    fail(`the ioredis peer range ${range} does not admit ioredis ${ioredis6.version}`);
  }
  const ioredisLink = join(app, 'node_modules', 'ioredis');
  rmSync(ioredisLink);
  symlinkSync(join(root, 'node_modules', 'ioredis6'), ioredisLink, 'dir');
  run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  const output6 = run(process.execPath, [join(app, 'dist', 'main.js')], app);
  if (!output6.includes('scratch app: ok'))
    fail(`the scratch app did not finish with ioredis 6:\n${output6}`);
  passed = true;
  console.log(
    `pack test: installed, compiled and ran in a strict NodeNext app (with ioredis 5, then ${ioredis6.version}); ` +
      `the conformance suite under node:test: ${count('pass')} passed, ${count('skipped')} skipped`,
  );
} catch (error) {
  console.error(`pack test: ${/** @type {Error} */ (error).message}`);
  process.exitCode = 1;
} finally {
  if (!keep && passed) rmSync(scratch, { recursive: true, force: true });
  else console.error(`pack test: the scratch app is kept in ${scratch}`);
}
