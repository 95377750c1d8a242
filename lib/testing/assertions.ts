import assert from 'node:assert/strict';
import { inspect } from 'node:util';

/** A value as a failure message quotes it: short, one line, whatever its type. */
export function show(value: unknown): string {
  return inspect(value, {
    depth: 4,
    breakLength: Infinity,
    maxStringLength: 80,
    maxArrayLength: 8,
    compact: true,
    sorted: false,
  });
}

/** Fails the running test with a message that says what the store did wrong. */
export function fail(message: string, values?: { actual: unknown; expected: unknown }): never {
  if (values) {
    throw new assert.AssertionError({
      message,
      actual: values.actual,
      expected: values.expected,
      operator: 'deepStrictEqual',
    });
  }
  assert.fail(message);
}

/** Fails the running test with the message unless the condition holds. */
export function ensure(condition: boolean, message: string): asserts condition {
  assert.ok(condition, message);
}

/**
 * The message of whatever a store rejected with. Not `instanceof Error`: under jest, an error made by
 * Node's own modules comes from another realm.
 */
export function reasonOf(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message === 'string') return `${typeof name === 'string' ? name : 'Error'}: ${message}`;
  return show(error);
}
