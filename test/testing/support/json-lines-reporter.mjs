// A node:test reporter (node --test-reporter=<this file>): one JSON line per finished test, for
// test/testing/runners.spec.ts to read.
export default async function* jsonLines(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, skip, details } = event.data;
    const error = details?.error;
    const message = error?.cause?.message ?? error?.message;
    yield `${JSON.stringify({ name, nesting, status: event.type === 'test:fail' ? 'failed' : skip ? 'skipped' : 'passed', skip: typeof skip === 'string' ? skip : undefined, message })}\n`;
  }
}
