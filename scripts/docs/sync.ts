/**
 * `npm run docs:sync`: rewrites every block marked `<!-- include: path -->` in README.md and docs/ from
 * the file it names, so that an example is edited in one place (the file, which tests compile and run).
 */
import { fileURLToPath } from 'node:url';
import { syncIncludes } from './includes.js';
import { documentationFiles } from './snippets.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const changed = syncIncludes(root, documentationFiles(root));
console.log(
  changed.length === 0
    ? 'docs:sync: every included block is up to date'
    : `docs:sync: rewrote ${changed.join(', ')}`,
);
