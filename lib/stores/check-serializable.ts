/**
 * Whether a value survives a JSON round trip (what Keyv stores such as Redis, Postgres or SQLite do)
 * without being silently changed. Rejected: BigInt, functions, symbols, cycles, non-finite numbers
 * (they come back as null), Map and Set (they come back as {}). Accepted as JSON has them: objects with
 * `toJSON` such as Date (it comes back as its ISO string) and Buffer, and `undefined` properties (dropped).
 */

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
  const type = typeof value;
  if (value === null || type === 'string' || type === 'boolean') return;
  if (type === 'number' && Number.isFinite(value)) return;
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
