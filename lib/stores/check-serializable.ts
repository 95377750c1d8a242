/**
 * Whether a value survives a JSON round trip (what Keyv stores such as Redis, Postgres or SQLite do)
 * without being silently changed. Rejected: BigInt, functions, symbols, cycles, non-finite numbers
 * (they come back as null), Map and Set (they come back as {}). Accepted as JSON has them: objects with
 * `toJSON` such as Date (it comes back as its ISO string) and Buffer, and `undefined` properties (dropped).
 */

/**
 * What a quick scan of a value saw (bits). 0: plain JSON data (strings, booleans, finite numbers, null,
 * undefined properties, arrays and objects of them), with no property that reading drops, and no object
 * with a JSON form of its own: what almost every value is.
 */
export const SCAN_NEEDS_CHECK = 1; // something the full check must judge: it may be refused
export const SCAN_FORBIDDEN_KEY = 2; // a property named __proto__, constructor or prototype
export const SCAN_TO_JSON = 4; // an object with toJSON: the scan did not see what it turns into

/** Past this depth the scan stops and leaves the value to the full check, which finds cycles. */
const MAX_SCAN_DEPTH = 64;

/**
 * Looks at every member of `value` once, without allocating: no path, no set of ancestors (a cycle
 * shows up as a depth past MAX_SCAN_DEPTH). It stops at the first member that needs the full check.
 */
export function scanForJson(value: unknown): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return 0;
    case 'number':
      return Number.isFinite(value) ? 0 : SCAN_NEEDS_CHECK;
    case 'object':
      return value === null ? 0 : scanObject(value, 0);
    default:
      return SCAN_NEEDS_CHECK; // undefined at the top, a BigInt, a symbol, a function
  }
}

function scanObject(object: object, depth: number): number {
  if (depth > MAX_SCAN_DEPTH) return SCAN_NEEDS_CHECK;
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return SCAN_TO_JSON;
  let flags = 0;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      flags |= scanMember(object[i], depth);
      if (flags & SCAN_NEEDS_CHECK) return flags;
    }
    return flags;
  }
  if (object instanceof Map || object instanceof Set) return SCAN_NEEDS_CHECK;
  // The own enumerable string keys: the ones JSON.stringify writes.
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') flags |= SCAN_FORBIDDEN_KEY;
    flags |= scanMember((object as Record<string, unknown>)[key], depth);
    if (flags & SCAN_NEEDS_CHECK) return flags;
  }
  return flags;
}

/** A member of an array or object: leaves are judged here, without a call. */
function scanMember(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // an undefined property is dropped, as documented; in an array it becomes null
      return 0;
    case 'number':
      return Number.isFinite(value) ? 0 : SCAN_NEEDS_CHECK;
    case 'object':
      return value === null ? 0 : scanObject(value, depth + 1);
    default:
      return SCAN_NEEDS_CHECK;
  }
}

/** Where the walk found a problem; the path is built while unwinding, so a valid value costs no strings. */
interface Problem {
  what: string;
  why: string;
  path: string[];
}

/**
 * Throws a TypeError naming the problem and where it is (`$.orders[2].total`) when `value` cannot be
 * stored faithfully by a serialising store. Plain strings, booleans, finite numbers and null return at once.
 */
export function assertSerializable(value: unknown, subject: string): void {
  // The quick scan clears almost every value; the walk below, which builds the path, runs for the rest.
  if ((scanForJson(value) & SCAN_NEEDS_CHECK) === 0) return;
  const problem = findProblem(value, undefined);
  if (problem === undefined) return;
  const where = problem.path.length === 0 ? '' : ` at $${problem.path.reverse().join('')}`;
  throw new TypeError(
    `${subject}: ${problem.what}${where} cannot be stored faithfully by a serialising store (JSON): ` +
      `${problem.why}. Convert the value to plain JSON data first.`,
  );
}

/** The first problem in `value`, or undefined. `ancestors` holds the objects on the current path. */
function findProblem(value: unknown, ancestors: Set<object> | undefined): Problem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(value)
        ? undefined
        : problem(`the number ${value}`, 'it would come back as null');
    case 'bigint':
      return problem('a BigInt', 'JSON has no BigInt (store it as a string)');
    case 'symbol':
      return problem('a symbol', 'JSON has no symbols');
    case 'function':
      return problem('a function', 'JSON has no functions, it would be dropped');
  }
  if (value === null) return undefined;
  const object = value as Record<string, unknown>;
  // Date, Buffer and the like define their own JSON form: the serialiser stores that, not their fields.
  if (typeof object.toJSON === 'function') return undefined;
  if (object instanceof Map) return problem('a Map', 'it would come back as {} (use a plain object)');
  if (object instanceof Set) return problem('a Set', 'it would come back as {} (use an array)');

  ancestors ??= new Set();
  if (ancestors.has(object))
    return problem('a cycle', 'the value contains itself, which JSON cannot represent');
  ancestors.add(object);
  let found: Problem | undefined;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length && found === undefined; i++) {
      found = findProblem(object[i], ancestors);
      found?.path.push(`[${i}]`);
    }
  } else {
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      found = findProblem(object[key], ancestors);
      if (found) {
        found.path.push(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
        break;
      }
    }
  }
  // Only the current path counts: the same object twice in separate branches is no cycle.
  ancestors.delete(object);
  return found;
}

function problem(what: string, why: string): Problem {
  return { what, why, path: [] };
}
