import type { ValueWithExpiry } from '../core/store.js';
import { SCAN_NEEDS_CHECK, assertSerializable, scanForJson } from '../stores/check-serializable.js';

/**
 * How a RedisStore lays a value out in Redis. A value without ttl is its plain JSON text. A value with a
 * ttl is `~<expiresAt>~<JSON>` (epoch ms): no JSON text starts with `~`, and carrying the expiry in the
 * value lets `getWithExpiry` answer from a single GET, as fast as a plain GET, instead of GET + PTTL
 * (two commands per read, measured at about 0.65x the throughput). Redis's own PX expiry stays in force.
 */
const ENVELOPE = 126; // '~'

/** Keys that a reviver drops, so that a value read back cannot carry a prototype-pollution payload. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Text that cannot contain a forbidden key: only `\u` escapes could spell one without the literal name. */
function mayHoldForbiddenKey(text: string): boolean {
  return (
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype') ||
    text.includes('\\u')
  );
}

function dropForbidden(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

function parseJson(text: string): unknown {
  // The reviver costs a callback per node, so it only runs on the rare text that could need it.
  return mayHoldForbiddenKey(text) ? JSON.parse(text, dropForbidden) : JSON.parse(text);
}

/** The value stored at a key, or `undefined` for a miss (Redis `nil`). */
export function decodeValue<V>(raw: string | null): V | undefined {
  if (raw === null) return undefined;
  if (raw.charCodeAt(0) !== ENVELOPE) return parseJson(raw) as V;
  return parseJson(raw.slice(raw.indexOf('~', 1) + 1)) as V;
}

/** The value and its expiry (omitted for an entry without ttl), or `undefined` for a miss. */
export function decodeEntry<V>(raw: string | null): ValueWithExpiry<V> | undefined {
  if (raw === null) return undefined;
  if (raw.charCodeAt(0) !== ENVELOPE) return { value: parseJson(raw) as V };
  const end = raw.indexOf('~', 1);
  const expiresAt = Number(raw.slice(1, end));
  const value = parseJson(raw.slice(end + 1)) as V;
  return Number.isFinite(expiresAt) ? { value, expiresAt } : { value };
}

/**
 * The text to store; `expiresAt` (epoch ms) when the entry has a ttl. A value is accepted when it passes
 * the library's JSON check (the same as CacheManagerStore's) and has no key that reading drops.
 *
 * One allocation-free scan clears a plain value of both (the common case): then the value costs that scan
 * and the JSON.stringify fast path (a replacer would take it off that path). Anything the scan flags takes
 * the full steps: the check that names the problem and its path, and the search for dropped keys.
 */
export function encodeValue(value: unknown, expiresAt: number | undefined, where: string): string {
  if (value === undefined) throw new TypeError(`${where}: the value must not be undefined (use delete)`);
  const scan = scanForJson(value);
  if (scan & SCAN_NEEDS_CHECK) assertSerializable(value, where);
  const text = JSON.stringify(value);
  // A value that reading would change must not be written. Without a flag, the scan saw every key that
  // the text holds and none is dropped; a flag (such a key, a toJSON whose output it did not see, or a
  // value it left to the full check) sends the value to the search, which is rarely needed.
  if (scan !== 0 && mayHoldForbiddenKey(text))
    JSON.stringify(value, (key, inner: unknown) => refuseForbidden(where, key, inner));
  return expiresAt === undefined ? text : `~${expiresAt}~${text}`;
}

function refuseForbidden(where: string, key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) {
    throw new TypeError(
      `${where}: the value has a property named "${key}", which is dropped when read back ` +
        '(a guard against prototype pollution); rename it',
    );
  }
  return value;
}
