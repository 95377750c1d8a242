/**
 * Docs that cannot rot: every TypeScript block of README.md, the other Markdown files at the root and
 * docs/**.md compiles under the repository's strict NodeNext settings, as its own module that imports
 * the package by name; every `<!-- include: path -->` block equals its file. The machinery and its
 * conventions are in scripts/docs/ and CONTRIBUTING.md ("Writing docs").
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { checkIncludes } from '../../scripts/docs/includes.js';
import { packageEntries } from '../../scripts/docs/package-entries.js';
import {
  checkSnippets,
  documentationFiles,
  formatProblems,
  type SnippetResult,
} from '../../scripts/docs/snippets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const files = documentationFiles(root);

/**
 * TODO(issue 17): README rewrite. The README blocks that do not compile yet, by the hash of their
 * content (`blockHash`). The list may only shrink: a listed block that compiles, or that changed, or
 * that is gone fails the test until its entry is removed. No new entry: fix the block or mark it
 * `<!-- fragment -->` with the declarations it needs.
 */
const KNOWN_BROKEN_README_BLOCKS = new Map<string, string>([
  // [hash, the README section it is in]
  ['f8d08f188c62', 'Backfill callbacks and `backFill$`'],
  ['deafb3dafa0f', 'forRoot'],
  ['ccdfcbca4324', 'forRootAsync'],
  ['22542f68ae67', 'Named stores'],
  ['75b3b15724c0', 'Interceptors as middleware'],
  ['9f56e05829a2', 'Interceptors as middleware'],
  ['2fa448f43825', 'Backfill events and logging'],
  ['ff80c22c4f31', 'Caching methods'],
  ['f65db46c65f6', 'A layer on Redis'],
  ['e1da6e29cffd', 'Several instances'],
  ['6b53f628c386', 'Faults under load'],
]);

/** A short stable id of a block's content. */
function blockHash(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

let results: SnippetResult[];
beforeAll(() => {
  results = checkSnippets(root, files);
}, 120_000);

describe('the TypeScript blocks of the docs compile', () => {
  it('finds the documentation files (README.md at least)', () => {
    expect(files).toContain('README.md');
    expect(files.some((file) => file.startsWith('docs/api/'))).toBe(false);
  });

  it.each(files)('%s', (file) => {
    const failing = results.filter((r) => r.block.file === file && r.problems.length > 0);
    const unexpected = failing.filter(
      (r) => !(file === 'README.md' && KNOWN_BROKEN_README_BLOCKS.has(blockHash(r.block.code))),
    );
    const report = unexpected
      .map((r) => `${formatProblems(r.problems)}\n  (block ${blockHash(r.block.code)})`)
      .join('\n');
    expect(report).toBe('');
  });

  it('the known-broken README blocks still fail: remove the entries of the fixed ones', () => {
    const readme = results.filter((r) => r.block.file === 'README.md');
    const stillBroken = new Set(
      readme.filter((r) => r.problems.length > 0).map((r) => blockHash(r.block.code)),
    );
    const stale = [...KNOWN_BROKEN_README_BLOCKS]
      .filter(([hash]) => !stillBroken.has(hash))
      .map(([hash, where]) => `${hash} (${where}) compiles now, changed or is gone: remove it from the list`);
    expect(stale).toEqual([]);
  });
});

describe('the docs and the files they include agree', () => {
  it('every `<!-- include: path -->` block equals its file (`npm run docs:sync` rewrites them)', () => {
    expect(checkIncludes(root, files).map((p) => p.message)).toEqual([]);
  });

  it('tsconfig "paths" and jest map the package name to the sources of exactly its public entries', () => {
    const expected = Object.fromEntries(packageEntries(root).map((e) => [e.specifier, [`./${e.source}`]]));
    const tsconfig = ts.readConfigFile(`${root}/tsconfig.json`, (path) => readFileSync(path, 'utf8'));
    expect(tsconfig.config.compilerOptions.paths).toEqual(expected);

    const jestConfig = readFileSync(`${root}/jest.config.js`, 'utf8');
    const mapped = Object.fromEntries(
      [...jestConfig.matchAll(/'\^(nestjs-delegated-store[^']*)\$': '<rootDir>\/([^']+)'/g)].map(
        ([, name, target]) => [name, [`./${target}`]],
      ),
    );
    expect(mapped).toEqual(expected);
  });
});
