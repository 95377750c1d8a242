/**
 * The snippet checker itself (scripts/docs/), on the fixtures beside this file: a broken snippet fails
 * with a message that names its file, its line and TypeScript's message, and nothing else does.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { checkIncludes, syncText } from '../../scripts/docs/includes.js';
import { readBlocks } from '../../scripts/docs/markdown-blocks.js';
import { checkSnippets, formatProblems, type SnippetResult } from '../../scripts/docs/snippets.js';
import { readFileSync } from 'node:fs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const compiles = 'test/docs/fixtures/compiles.md';
const broken = 'test/docs/fixtures/broken.md';

describe('readBlocks', () => {
  it('finds fences of backticks and tildes, indented ones, and the markers before them', () => {
    const blocks = readBlocks(compiles, readFileSync(`${root}/${compiles}`, 'utf8'));
    expect(blocks.map((b) => [b.line, b.lang, b.marker?.kind])).toEqual([
      [5, 'ts', undefined],
      [16, 'ts', 'fragment'],
      [26, 'typescript', 'fragment'],
      [36, 'ts', undefined],
      [42, 'bash', undefined],
      [46, 'md', undefined],
      [55, 'ts', 'include'],
      [64, 'ts', 'include'],
    ]);
    expect(blocks[3].code).toBe('export const one: number = 1;\n');
    expect(blocks[2].marker).toEqual({
      kind: 'fragment',
      declarations: 'declare const prices: Map<string, number>;',
      line: 23,
      declarationsLine: 24,
    });
    expect(blocks[6].marker).toEqual({ kind: 'include', path: 'test/docs/fixtures/included.ts', line: 54 });
  });

  it('refuses a marker it cannot read, naming its line', () => {
    expect(() => readBlocks('x.md', 'text\n<!-- include examples/a.ts -->\n```ts\nx;\n```\n')).toThrow(
      /^x\.md:2: malformed marker/,
    );
  });
});

describe('checkSnippets', () => {
  let results: SnippetResult[];
  beforeAll(() => {
    results = checkSnippets(root, [compiles, broken]);
  }, 120_000);

  const problemsOf = (file: string) =>
    results.filter((r) => r.block.file === file).flatMap((r) => r.problems);

  it('compiles complete blocks, fragments (wrapped, with the preamble and their markers) and both entries', () => {
    const blocks = results.filter((r) => r.block.file === compiles);
    expect(blocks.map((r) => r.block.line)).toEqual([5, 16, 26, 36, 55, 64]);
    expect(formatProblems(problemsOf(compiles))).toBe('');
  });

  it('names the file, the line and the TypeScript message of every problem', () => {
    const report = formatProblems(problemsOf(broken));
    expect(report).toContain(
      `${broken}:8 (block at line 5): TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.`,
    );
    expect(report).toContain(`${broken}:13 (block at line 14): TS2552: Cannot find name 'Nmber'.`);
    expect(report).toContain(
      `${broken}:15 (block at line 14): TS2322: Type 'User | undefined' is not assignable`,
    );
    expect(report).toContain(
      `${broken}:21 (block at line 20): TS2307: Cannot find module 'nestjs-delegated-store/core'`,
    );
    expect(results.filter((r) => r.block.file === broken).map((r) => r.problems.length > 0)).toEqual([
      true,
      true,
      true,
      false, // the drifted include compiles; checkIncludes reports it
    ]);
  });
});

describe('includes', () => {
  it('reports a block that drifted from its file, with both lines, and passes an equal one', () => {
    expect(checkIncludes(root, [compiles])).toEqual([]);
    expect(checkIncludes(root, [broken])).toEqual([
      {
        file: broken,
        line: 28,
        message:
          `${broken}:28: the block differs from test/docs/fixtures/included.ts ` +
          `(first at line 3 of the file, line 31 of ${broken}); run \`npm run docs:sync\``,
      },
    ]);
  });

  it('docs:sync rewrites the drifted block from the file and leaves the rest alone', () => {
    const text = readFileSync(`${root}/${broken}`, 'utf8');
    const synced = syncText(root, broken, text);
    expect(synced).toBe(text.replace('MemoryStore<string, string>', 'MemoryStore<string, number>'));
    expect(syncText(root, broken, synced)).toBe(synced);
  });

  it('keeps the indentation of a fence in a list', () => {
    const text =
      '1. The file:\n\n   <!-- include: test/docs/fixtures/included.ts -->\n   ```ts\n   old\n   ```\n';
    expect(syncText(root, 'list.md', text)).toBe(
      '1. The file:\n\n   <!-- include: test/docs/fixtures/included.ts -->\n   ```ts\n' +
        "   import { MemoryStore } from 'nestjs-delegated-store';\n\n" +
        '   export const memory = new MemoryStore<string, number>();\n   ```\n',
    );
  });

  it('names a missing file', () => {
    const text = '<!-- include: examples/missing.ts -->\n```ts\n```\n';
    expect(() => syncText(root, 'missing.md', text)).toThrow(
      'missing.md:1: the included file examples/missing.ts does not exist',
    );
  });
});
