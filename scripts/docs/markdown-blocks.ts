/**
 * The fenced code blocks of a Markdown file, with the marker comment that may precede each one:
 * `<!-- fragment ... -->` (a partial snippet, wrapped before it is compiled) or
 * `<!-- include: examples/quick-start.ts -->` (a block that must equal that file).
 */

export type BlockMarker =
  | {
      kind: 'fragment';
      /** TypeScript placed before the wrapper: imports and `declare` lines. */
      declarations: string;
      /** The line of `<!--`. */
      line: number;
      /** The line the declarations start on. */
      declarationsLine: number;
    }
  | { kind: 'include'; path: string; line: number };

export interface CodeBlock {
  /** The Markdown file, as given to `readBlocks` (relative to the repository root in messages). */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The first word of the info string, lower-cased (`ts`, `typescript`, `bash`, ...), or `''`. */
  lang: string;
  /** The content between the fences, every line ending with `\n`, the fence's indentation removed. */
  code: string;
  marker?: BlockMarker;
  /** Offsets of the content in the Markdown text, for rewriting it (`docs:sync`). */
  contentStart: number;
  contentEnd: number;
}

export const TYPESCRIPT_LANGS = new Set(['ts', 'typescript']);

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const FRAGMENT = /^\s*<!--\s*fragment\b([\s\S]*?)-->\s*$/;
const INCLUDE = /^\s*<!--\s*include:\s*(\S+)\s*-->\s*$/;

/** Splits the text into lines that keep their `\n`, with the offset of each. */
function linesOf(text: string): Array<{ text: string; start: number }> {
  const lines: Array<{ text: string; start: number }> = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end + 1;
    lines.push({ text: text.slice(start, stop), start });
    start = stop;
  }
  return lines;
}

/**
 * The marker of the block whose fence is at `fenceIndex`: the HTML comment that ends on the nearest
 * non-blank line before it (a comment may span several lines).
 */
function markerBefore(
  lines: Array<{ text: string }>,
  fenceIndex: number,
  file: string,
): BlockMarker | undefined {
  let end = fenceIndex - 1;
  while (end >= 0 && lines[end].text.trim() === '') end--;
  if (end < 0 || !lines[end].text.trimEnd().endsWith('-->')) return undefined;
  let start = end;
  while (start >= 0 && !lines[start].text.includes('<!--')) start--;
  if (start < 0) return undefined;
  const comment = lines
    .slice(start, end + 1)
    .map((line) => line.text)
    .join('');
  const include = INCLUDE.exec(comment);
  if (include) return { kind: 'include', path: include[1], line: start + 1 };
  const fragment = FRAGMENT.exec(comment);
  if (fragment) {
    const leading = /^\s*/.exec(fragment[1])?.[0] ?? '';
    const before = comment.slice(0, comment.indexOf(fragment[1]) + leading.length);
    const declarationsLine = start + 1 + (before.match(/\n/g)?.length ?? 0);
    return { kind: 'fragment', declarations: fragment[1].trim(), line: start + 1, declarationsLine };
  }
  if (/^\s*<!--\s*(fragment|include)/.test(comment)) {
    throw new Error(
      `${file}:${start + 1}: malformed marker ${JSON.stringify(comment.trim())}; ` +
        'write `<!-- fragment -->`, `<!-- fragment declare const x: T; -->` or `<!-- include: path/to/file.ts -->`',
    );
  }
  return undefined;
}

/** Every fenced code block of a Markdown text (CommonMark fences: ``` or ~~~, three or more). */
export function readBlocks(file: string, text: string): CodeBlock[] {
  const lines = linesOf(text);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i].text.replace(/\r?\n$/, ''));
    if (!open) continue;
    const [, indent, fence, info] = open;
    if (fence[0] === '`' && info.includes('`')) continue; // not a fence: an inline code span
    let close = i + 1;
    while (close < lines.length) {
      const candidate = FENCE.exec(lines[close].text.replace(/\r?\n$/, ''));
      if (
        candidate &&
        candidate[2][0] === fence[0] &&
        candidate[2].length >= fence.length &&
        candidate[3].trim() === ''
      ) {
        break;
      }
      close++;
    }
    const content = lines.slice(i + 1, close);
    const code = content
      .map((line) => {
        const body = line.text.endsWith('\n') ? line.text : `${line.text}\n`;
        let strip = 0;
        while (strip < indent.length && body[strip] === ' ') strip++;
        return body.slice(strip);
      })
      .join('');
    blocks.push({
      file,
      line: i + 1,
      lang: info.trim().split(/\s+/)[0].toLowerCase(),
      code,
      marker: markerBefore(lines, i, file),
      contentStart: i + 1 < lines.length ? lines[i + 1].start : text.length,
      contentEnd: close < lines.length ? lines[close].start : text.length,
    });
    i = close;
  }
  return blocks;
}
