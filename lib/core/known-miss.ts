/**
 * What `withNegativeCaching` writes into the cache layers for a key whose loader found nothing: a "known
 * miss". A plain JSON object, so that it round-trips through every store (Redis and Keyv stores serialise
 * values as JSON); an in-process store keeps this very object. It never reaches a caller, a callback, an
 * event or a metric as a value: every read recognises it first.
 */
export const KNOWN_MISS: Readonly<{
  /** The tag that tells the marker from a value (a value that has this property is refused by `set`). */
  __delegatedStore: 'known-miss';
}> = Object.freeze({
  __delegatedStore: 'known-miss',
});

/** The property that marks the store's own entries; a user value that has it is refused by `set`. */
export const RESERVED_PROPERTY = '__delegatedStore';

/** Whether a value read from a layer is the known-miss marker (the object itself, or its JSON copy). */
export function isKnownMiss(value: unknown): boolean {
  return (
    value === KNOWN_MISS ||
    (typeof value === 'object' &&
      value !== null &&
      (value as Record<string, unknown>)[RESERVED_PROPERTY] === 'known-miss')
  );
}
