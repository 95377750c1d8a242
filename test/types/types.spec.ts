import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The type tests: every `*.types.ts` file here is compiled with the project's strict settings. A mistake
 * marked `@ts-expect-error` that compiles is an error ("unused directive"), and so is anything else that
 * does not compile: types that stop flowing make this test fail.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

describe('type tests (test/types/*.types.ts)', () => {
  it('compile under strict TypeScript, every @ts-expect-error line an error', () => {
    const configPath = join(root, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const files = readdirSync(here)
      .filter((name) => name.endsWith('.types.ts'))
      .map((name) => join(here, name));
    expect(files.length).toBeGreaterThan(0);
    const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter(
        (diagnostic) =>
          diagnostic.file === undefined ||
          files.includes(diagnostic.file.fileName) ||
          !diagnostic.file.fileName.includes('node_modules'),
      );
    const messages = diagnostics.map((diagnostic) => {
      const where = diagnostic.file
        ? `${diagnostic.file.fileName.slice(root.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
        : '(global)';
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  }, 120_000);
});
