/** A value that JSON cannot represent faithfully, found at `path` (e.g. `args[1].filter`). */
export class UnserializableValue {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {}
}

/**
 * Built-in objects whose content JSON drops (every Map serialises to `{}`): as key parts they would make
 * different arguments collide, so they are refused rather than serialised.
 */
const OPAQUE_TYPES: Array<[Function, string]> = [
  [Map, 'a Map'],
  [Set, 'a Set'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [Promise, 'a Promise'],
  [RegExp, 'a RegExp'],
  [Error, 'an Error'],
];

/**
 * JSON with object keys sorted at every depth, so that equal objects give equal strings whatever the
 * order in which their keys were set. Otherwise it follows JSON.stringify (`toJSON`, `undefined`
 * properties dropped, `undefined` array items as `null`), and returns an UnserializableValue for what
 * JSON would lose or reject: functions, symbols, BigInt, cycles and the OPAQUE_TYPES.
 */
export function stableJson(value: unknown, path = '$'): string | UnserializableValue {
  return write(value, path, '', new Set());
}

function write(
  input: unknown,
  path: string,
  propertyName: string,
  ancestors: Set<object>,
): string | UnserializableValue {
  let value = input;
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON(key: string): unknown }).toJSON(propertyName);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number': // NaN and ±Infinity give null, as in JSON
      return JSON.stringify(value);
    case 'undefined':
      return 'null';
    case 'bigint':
      return new UnserializableValue(path, 'a BigInt');
    case 'symbol':
      return new UnserializableValue(path, 'a symbol');
    case 'function':
      return new UnserializableValue(path, 'a function');
  }
  if (value === null) return 'null';
  const object = value as object;
  for (const [type, what] of OPAQUE_TYPES) {
    if (object instanceof type) return new UnserializableValue(path, what);
  }
  if (ancestors.has(object)) return new UnserializableValue(path, 'a circular reference');
  ancestors.add(object);
  try {
    return Array.isArray(object) ? writeArray(object, path, ancestors) : writeObject(object, path, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function writeArray(array: unknown[], path: string, ancestors: Set<object>): string | UnserializableValue {
  const items: string[] = [];
  for (let i = 0; i < array.length; i++) {
    const item = write(array[i], `${path}[${i}]`, String(i), ancestors);
    if (item instanceof UnserializableValue) return item;
    items.push(item);
  }
  return `[${items.join(',')}]`;
}

function writeObject(object: object, path: string, ancestors: Set<object>): string | UnserializableValue {
  const entries: string[] = [];
  for (const name of Object.keys(object).sort()) {
    const property = (object as Record<string, unknown>)[name];
    if (property === undefined) continue;
    const item = write(property, `${path}${propertyPath(name)}`, name, ancestors);
    if (item instanceof UnserializableValue) return item;
    entries.push(`${JSON.stringify(name)}:${item}`);
  }
  return `{${entries.join(',')}}`;
}

function propertyPath(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
