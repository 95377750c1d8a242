/**
 * Blocks included from a file: `<!-- include: examples/quick-start.ts -->` before a fenced block says
 * that the block is that file, verbatim. `checkIncludes` finds the blocks that drifted from their file;
 * `syncIncludes` (`npm run docs:sync`) rewrites them from the files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBlocks, type CodeBlock } from './markdown-blocks.js';

export interface IncludeProblem {
  file: string;
  /** The line of the opening fence of the block. */
  line: number;
  message: string;
}

/** The text a block must hold: the file's, ending with exactly one newline. */
function includedText(
  root: string,
  block: CodeBlock & { marker: { kind: 'include'; path: string } },
): string {
  const path = join(root, block.marker.path);
  if (!existsSync(path)) {
    throw new Error(
      `${block.file}:${block.marker.line}: the included file ${block.marker.path} does not exist`,
    );
  }
  return readFileSync(path, 'utf8').replace(/\n*$/, '\n');
}

function includeBlocks(file: string, text: string) {
  return readBlocks(file, text).filter(
    (block): block is CodeBlock & { marker: { kind: 'include'; path: string; line: number } } =>
      block.marker?.kind === 'include',
  );
}

/** The line (1-based) of the first difference between two texts. */
function firstDifference(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  let line = 0;
  while (line < left.length && line < right.length && left[line] === right[line]) line++;
  return line + 1;
}

export function checkIncludes(root: string, files: string[]): IncludeProblem[] {
  const problems: IncludeProblem[] = [];
  for (const file of files) {
    for (const block of includeBlocks(file, readFileSync(join(root, file), 'utf8'))) {
      let expected: string;
      try {
        expected = includedText(root, block);
      } catch (error) {
        problems.push({ file, line: block.line, message: (error as Error).message });
        continue;
      }
      if (block.code !== expected) {
        const at = firstDifference(block.code, expected);
        problems.push({
          file,
          line: block.line,
          message:
            `${file}:${block.line}: the block differs from ${block.marker.path} ` +
            `(first at line ${at} of the file, line ${block.line + at} of ${file}); run \`npm run docs:sync\``,
        });
      }
    }
  }
  return problems;
}

/** The text with every included block rewritten from its file. */
export function syncText(root: string, file: string, text: string): string {
  let result = text;
  // From the last block to the first, so that the offsets of the earlier ones stay right.
  for (const block of includeBlocks(file, text).reverse()) {
    const fenceLine = text.slice(text.lastIndexOf('\n', block.contentStart - 2) + 1, block.contentStart);
    const indent = /^ */.exec(fenceLine)?.[0] ?? '';
    const content = includedText(root, block)
      .split('\n')
      .slice(0, -1)
      .map((line) => (line === '' ? '' : indent + line) + '\n')
      .join('');
    result = result.slice(0, block.contentStart) + content + result.slice(block.contentEnd);
  }
  return result;
}

/** Rewrites the included blocks of the files from their sources; returns the files that changed. */
export function syncIncludes(root: string, files: string[]): string[] {
  const changed: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    const text = readFileSync(path, 'utf8');
    const synced = syncText(root, file, text);
    if (synced !== text) {
      writeFileSync(path, synced);
      changed.push(file);
    }
  }
  return changed;
}
