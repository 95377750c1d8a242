/**
 * Docs that cannot rot: every TypeScript block of README.md, the other Markdown files at the root and
 * docs/**.md compiles under the repository's strict NodeNext settings, as its own module that imports
 * the package by name; every `<!-- include: path -->` block equals its file. The machinery and its
 * conventions are in scripts/docs/ and CONTRIBUTING.md ("Writing docs").
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
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
    expect(failing.map((r) => formatProblems(r.problems)).join('\n')).toBe('');
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
