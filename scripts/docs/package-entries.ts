import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The public entry points of the package, from the `exports` of package.json: the specifier a user
 * imports (`nestjs-delegated-store/redis`) and the source file it is built from (`lib/redis/index.ts`).
 * The snippet checker, the API reference and the tsconfig `paths` all derive from this one list.
 */
export interface PackageEntry {
  specifier: string;
  /** Relative to the repository root. */
  source: string;
}

interface PackageJson {
  name: string;
  exports: Record<string, string | { types?: string; default?: string }>;
}

export function packageEntries(root: string): PackageEntry[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  return Object.entries(pkg.exports).map(([subpath, target]) => {
    const types = typeof target === 'string' ? target : target.types;
    if (!types || !/^\.\/dist\/.+\.d\.ts$/.test(types)) {
      throw new Error(
        `package.json exports["${subpath}"] has no "types" under ./dist/ (got ${JSON.stringify(types)}); ` +
          'every public entry must point at the declarations built from lib/',
      );
    }
    const source = types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
    if (!existsSync(join(root, source))) {
      throw new Error(`package.json exports["${subpath}"] is built from ${source}, which does not exist`);
    }
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`;
    return { specifier, source };
  });
}
