// The results as a console table and as Markdown.
import { formatNumber, formatPercent, formatRatio, relativeSpread } from './stats.mjs';

function cell(value) {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value === undefined ? '–' : String(value);
}

function range(row) {
  return `${formatNumber(row.min)} – ${formatNumber(row.max)}`;
}

/** The middle half of the rounds, as ± half the interquartile range relative to the median. */
function spread(row) {
  return row.q1 === undefined ? '–' : formatPercent(relativeSpread(row));
}

function status(target) {
  if (target.info) return 'info';
  return target.pass === undefined ? 'n/a' : target.pass ? 'PASS' : 'FAIL';
}

function rowsOf(result) {
  const extraKeys = Object.keys(result.extraLabels);
  const header = [
    'contender',
    `median ${result.unit}`,
    'spread (IQR/2)',
    'min – max',
    'vs best',
    ...extraKeys.map((k) => result.extraLabels[k]),
  ];
  const rows = result.contenders.map((row) => [
    row.kind === 'baseline' ? `(${row.name})` : row.name,
    formatNumber(row.median),
    spread(row),
    range(row),
    formatRatio(row.ratioToBest),
    ...extraKeys.map((k) => cell(row.extras[k])),
  ]);
  return { header, rows };
}

function targetLine(target) {
  const ratio = target.ratio === undefined ? '' : ` ${formatRatio(target.ratio)}`;
  const detail = target.detail ? ` (${target.detail})` : '';
  return `${status(target).padEnd(4)} ${target.text}:${ratio}${detail}`;
}

function heading(result) {
  const better = result.better === 'higher' ? 'higher is better' : 'lower is better';
  return `${result.id}  ${result.title}  (${result.unit}, ${better}; median of ${result.rounds} rounds)`;
}

/** One workload as an aligned console table, its notes and its target checks. */
export function formatWorkload(result) {
  if (result.error) return `${result.id}  FAILED: ${result.error}\n`;
  const { header, rows } = rowsOf(result);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (cells) =>
    '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [heading(result), line(header), ...rows.map(line)];
  for (const note of result.notes) out.push(`  note: ${note}`);
  for (const target of result.targets) out.push(`  ${targetLine(target)}`);
  return out.join('\n') + '\n';
}

export function printWorkload(result) {
  process.stdout.write(formatWorkload(result) + '\n');
}

/** Every workload as Markdown, with a summary of the targets first. */
export function formatMarkdown(results, meta) {
  const out = [`# Benchmark results`, ''];
  out.push(`Measured ${meta.date} on ${meta.machine}; Node ${meta.node}, Redis ${meta.redis}.`);
  if (meta.baseline)
    out.push('', `With \`--baseline ${meta.baseline}\`: that commit's build runs as one more contender.`);
  if (meta.note) out.push('', meta.note);
  out.push('', '## Targets', '', '| status | target | ratio |', '|---|---|---|');
  for (const result of results) {
    for (const target of result.targets ?? []) {
      const ratio = target.ratio === undefined ? '' : formatRatio(target.ratio);
      out.push(
        `| ${status(target)} | ${result.id}: ${target.text}${target.detail ? ` (${target.detail})` : ''} | ${ratio} |`,
      );
    }
  }
  out.push(
    '',
    'A ratio between two contenders is the median of their per-round ratios (both run in every round, ' +
      'a few seconds apart); "middle half" is the interquartile range of those ratios. ' +
      '"spread (IQR/2)" in the tables: half the interquartile range of the rounds, relative to the median.',
  );
  for (const result of results) {
    out.push('', `## ${heading(result)}`, '');
    if (result.error) {
      out.push(`FAILED: ${result.error}`);
      continue;
    }
    const { header, rows } = rowsOf(result);
    out.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) out.push(`| ${row.join(' | ')} |`);
    if (result.notes.length > 0) out.push('', ...result.notes.map((note) => `- ${note}`));
  }
  return out.join('\n') + '\n';
}
