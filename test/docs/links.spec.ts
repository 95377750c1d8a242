/**
 * The README is the npm page: short, and with links that work there (npm ships only dist/lib,
 * README.md, LICENSE and CHANGELOG.md, so everything else is linked by its absolute GitHub address).
 * The guides link to each other and to the repository's files by relative paths that must exist.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentationFiles } from '../../scripts/docs/snippets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const REPOSITORY = 'https://github.com/nestjs-delegated-store/nestjs-delegated-store/';
/** What npm ships besides dist/lib: a relative link from the README to these works on npm. */
const SHIPPED = new Set(['CHANGELOG.md', 'LICENSE']);

/** The targets of the Markdown links `[text](target)` of a text, code blocks left out. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target);
}

/** A repository path for an absolute link into this repository (blob/tree on main), else undefined. */
function repositoryPath(target: string): string | undefined {
  if (!target.startsWith(REPOSITORY)) return undefined;
  const match = /^(?:blob|tree)\/main\/([^#?]+)/.exec(target.slice(REPOSITORY.length));
  return match?.[1];
}

function missing(path: string): boolean {
  return !existsSync(join(root, path));
}

describe('README.md, the npm page', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('is at most 15 000 bytes', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15_000);
  });

  it('links by relative path only to what npm ships; everything else by its GitHub address', () => {
    const relative = linkTargets(readme).filter((target) => !/^(https?:|#|mailto:)/.test(target));
    expect(relative.filter((target) => !SHIPPED.has(target.split('#')[0]))).toEqual([]);
  });

  it('links to files of the repository that exist', () => {
    const paths = linkTargets(readme)
      .map(repositoryPath)
      .filter((path) => path !== undefined);
    expect(paths.length).toBeGreaterThan(5); // the guides, CONTRIBUTING, the benchmark results
    expect(paths.filter((path) => missing(path.replace(/\/$/, '')))).toEqual([]);
  });
});

describe('the guides', () => {
  const guides = documentationFiles(root).filter((file) => file.startsWith('docs/'));

  it.each(guides)('%s links to files that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const broken = linkTargets(text)
      .filter((target) => !/^(https?:|#|mailto:)/.test(target))
      .map((target) => normalize(join(dirname(file), target.split('#')[0])))
      .filter(missing);
    const absolute = linkTargets(text)
      .map(repositoryPath)
      .filter((path): path is string => path !== undefined && missing(path.replace(/\/$/, '')));
    expect([...broken, ...absolute]).toEqual([]);
  });
});
