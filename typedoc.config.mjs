// @ts-check
/**
 * The API reference (`npm run docs` → docs/api/): one module per public entry of package.json "exports",
 * named as users import it, from the TSDoc comments of lib/. Any warning fails the run.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** `./dist/lib/redis/index.d.ts` → `lib/redis/index.ts`: the source each public entry is built from. */
const entries = Object.entries(pkg.exports).map(([subpath, target]) => ({
  specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
  source: target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'),
}));

/** @type {Partial<import('typedoc').TypeDocOptions> & { entryModuleNames: Record<string, string> }} */
export default {
  name: pkg.name,
  entryPoints: entries.map((entry) => entry.source),
  // Read by scripts/typedoc-entry-names.mjs: the module of lib/redis/index.ts is "nestjs-delegated-store/redis".
  entryModuleNames: Object.fromEntries(entries.map((entry) => [entry.source, entry.specifier])),
  plugin: ['./scripts/typedoc-entry-names.mjs'],
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  readme: 'README.md',
  // The README's diagram: GitHub draws it, the API reference shows its source as is.
  ignoredHighlightLanguages: ['mermaid'],
  // Links to the sources on the project's repository, whatever remote (or none) the clone has.
  sourceLinkTemplate: `${pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')}/blob/{gitRevision}/{path}#L{line}`,
  excludePrivate: true,
  excludeInternal: true,
  treatWarningsAsErrors: true,
  validation: {
    notExported: true,
    invalidLink: true,
    invalidPath: true,
    rewrittenLink: true,
    // Every public member has TSDoc: a new one without it fails the run.
    notDocumented: true,
  },
};
