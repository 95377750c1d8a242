/**
 * Type-checks the TypeScript blocks of Markdown files, as a user who pastes them into a strict NodeNext
 * project would: every block is its own module, `nestjs-delegated-store` (and each subpath of the
 * package's `exports`) resolves to the package's own sources, and the whole set is one program, so
 * a hundred snippets cost one compilation.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { readBlocks, TYPESCRIPT_LANGS, type CodeBlock } from './markdown-blocks.js';
import { packageEntries } from './package-entries.js';

export interface SnippetProblem {
  /** The Markdown file, relative to the root. */
  file: string;
  /** The line of the opening fence of the block. */
  blockLine: number;
  /** The line in the Markdown file that the problem is on. */
  line: number;
  /** `TS2304: Cannot find name 'User'.` */
  message: string;
}

export interface SnippetResult {
  block: CodeBlock;
  problems: SnippetProblem[];
}

/**
 * Names every fragment may use without declaring them: the loose declarations of the docs. A marker
 * that declares the same name (or a fragment that imports it) replaces the entry.
 */
export const FRAGMENT_PREAMBLE: ReadonlyArray<{ name: string; code: string }> = [
  { name: 'User', code: 'interface User { id: string; name: string; email?: string; }' },
  {
    name: 'store',
    code: "declare const store: import('nestjs-delegated-store').DelegatedStore<string, User>;",
  },
];

/**
 * Where the snippets live while they are compiled: inside the repository, so that packages resolve.
 * They are in memory only; with DOCS_SNIPPETS_KEEP=1 they are also written there (git-ignored), to read
 * what a fragment became or to run `tsc` on one.
 */
export const SNIPPET_DIR = 'test/docs/.snippets';

interface GeneratedLine {
  text: string;
  /** The Markdown line it came from. */
  line: number;
}

interface Snippet {
  block: CodeBlock;
  path: string;
  lines: GeneratedLine[];
}

/** The names a piece of TypeScript declares at its top level. */
function declaredNames(code: string): Set<string> {
  const source = ts.createSourceFile('names.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
      }
    } else if (
      (ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isFunctionDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The 0-based line ranges of the import declarations of a fragment: they move out of the wrapper. */
function importLines(code: string): Set<number> {
  const source = ts.createSourceFile('imports.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const lines = new Set<number>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isImportEqualsDeclaration(statement)) continue;
    const first = source.getLineAndCharacterOfPosition(statement.getStart(source)).line;
    const last = source.getLineAndCharacterOfPosition(statement.getEnd()).line;
    for (let line = first; line <= last; line++) lines.add(line);
  }
  return lines;
}

function splitLines(code: string): string[] {
  const lines = code.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The module a block becomes. A complete block is itself; a fragment becomes: the preamble, the
 * marker's declarations, the fragment's imports, then the rest of it as the body of an async function.
 */
function toSnippet(block: CodeBlock, path: string): Snippet {
  const body = splitLines(block.code);
  const firstLine = block.line + 1;
  if (block.marker?.kind !== 'fragment') {
    return { block, path, lines: body.map((text, i) => ({ text, line: firstLine + i })) };
  }
  const marker = block.marker;
  const declarations = splitLines(marker.declarations);
  const imports = importLines(block.code);
  const importText = body.filter((_, i) => imports.has(i)).join('\n');
  const taken = declaredNames(`${marker.declarations}\n${importText}`);
  const lines: GeneratedLine[] = [];
  for (const entry of FRAGMENT_PREAMBLE) {
    if (!taken.has(entry.name)) lines.push({ text: entry.code, line: marker.line });
  }
  declarations.forEach((text, i) => lines.push({ text, line: marker.declarationsLine + i }));
  body.forEach((text, i) => {
    if (imports.has(i)) lines.push({ text, line: firstLine + i });
  });
  lines.push({ text: 'export {};', line: marker.line });
  lines.push({ text: 'async function fragment() {', line: marker.line });
  body.forEach((text, i) => lines.push({ text: imports.has(i) ? '' : text, line: firstLine + i }));
  lines.push({ text: '}', line: block.line });
  lines.push({ text: 'void fragment;', line: block.line });
  return { block, path, lines };
}

/** The compiler options of the repository (strict, NodeNext), with the package mapped to its sources. */
export function snippetCompilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile.bind(ts.sys));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  const paths: Record<string, string[]> = {};
  for (const entry of packageEntries(root)) paths[entry.specifier] = [resolve(root, entry.source)];
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    paths,
  };
}

/** README.md and the other Markdown files at the root, and every Markdown file under docs/ (not the API reference). */
export function documentationFiles(root: string): string[] {
  const fs = ts.sys;
  const top = fs
    .readDirectory(root, ['.md'], undefined, undefined, 1)
    .map((path) => relative(root, path))
    .filter((path) => !path.includes('/'));
  const docs = fs
    .readDirectory(join(root, 'docs'), ['.md'])
    .map((path) => relative(root, path))
    .filter((path) => !path.startsWith('docs/api/'));
  return [...top.sort(), ...docs.sort()];
}

function problemOf(snippet: Snippet, diagnostic: ts.Diagnostic): SnippetProblem {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  let line = snippet.block.line;
  if (diagnostic.file && diagnostic.start !== undefined) {
    const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    line = snippet.lines[Math.min(at, snippet.lines.length - 1)]?.line ?? line;
  }
  return { file: snippet.block.file, blockLine: snippet.block.line, line, message };
}

/**
 * Compiles every TypeScript block of the given Markdown files (relative to `root`) in one program and
 * returns each block with its problems (none when it compiles).
 */
export function checkSnippets(root: string, files: string[]): SnippetResult[] {
  const snippets: Snippet[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const block of readBlocks(file, text)) {
      if (!TYPESCRIPT_LANGS.has(block.lang)) continue;
      const name = `${file.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.ts`;
      // An included block is compiled beside its file (in memory only), so that its relative imports
      // (`./sqlite-store.js`) resolve as they do for the file itself.
      const dir =
        block.marker?.kind === 'include'
          ? resolve(root, dirname(block.marker.path))
          : resolve(root, SNIPPET_DIR);
      const path = block.marker?.kind === 'include' ? join(dir, `.snippet.${name}`) : join(dir, name);
      snippets.push(toSnippet(block, path));
    }
  }
  if (snippets.length === 0) return [];

  const options = snippetCompilerOptions(root);
  const virtual = new Map(
    snippets.map((snippet) => [snippet.path, snippet.lines.map((l) => l.text).join('\n') + '\n']),
  );
  if (process.env.DOCS_SNIPPETS_KEEP === '1') {
    rmSync(resolve(root, SNIPPET_DIR), { recursive: true, force: true });
    mkdirSync(resolve(root, SNIPPET_DIR), { recursive: true });
    for (const [path, text] of virtual) {
      if (path.startsWith(resolve(root, SNIPPET_DIR))) writeFileSync(path, text);
    }
  }
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getCurrentDirectory = () => root;
  host.readFile = (path) => virtual.get(resolve(path)) ?? readFile(path);
  host.fileExists = (path) => virtual.has(resolve(path)) || fileExists(path);
  host.directoryExists = (path) =>
    resolve(path) === resolve(root, SNIPPET_DIR) || ts.sys.directoryExists(path);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(resolve(path));
    if (text !== undefined) return ts.createSourceFile(path, text, languageVersion, true, ts.ScriptKind.TS);
    return getSourceFile(path, languageVersion, onError, shouldCreate);
  };

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0) {
    throw new Error(
      'the snippet compiler options are invalid: ' +
        global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; '),
    );
  }
  return snippets.map((snippet) => {
    const source = program.getSourceFile(snippet.path);
    if (!source) throw new Error(`${snippet.block.file}:${snippet.block.line}: the snippet was not compiled`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    return { block: snippet.block, problems: diagnostics.map((d) => problemOf(snippet, d)) };
  });
}

/** `README.md:97 (block at line 96): TS2304: Cannot find name 'User'.`, one line per problem. */
export function formatProblems(problems: SnippetProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line} (block at line ${p.blockLine}): ${p.message}`).join('\n');
}
