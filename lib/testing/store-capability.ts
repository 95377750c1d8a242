/**
 * An optional part of the `Store` contract, checked by the conformance suite when the store has it:
 * one of the optional methods, or `'ttl'`, the `ttl` argument of `set` (a store may keep every entry
 * for good, as a database primary does: then list `'ttl'` in `skip`).
 */
export type StoreCapability =
  | 'ttl'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'getWithExpiry'
  | 'getManyWithExpiry'
  | 'has'
  | 'getSet'
  | 'clear'
  | 'keys';

/** Every {@link StoreCapability}, in the order the suite checks them. */
export const STORE_CAPABILITIES: readonly StoreCapability[] = Object.freeze([
  'ttl',
  'getMany',
  'setMany',
  'deleteMany',
  'getWithExpiry',
  'getManyWithExpiry',
  'has',
  'getSet',
  'clear',
  'keys',
]);

/** Whether the store has the capability: the method exists. Every store takes a ttl, or ignores it. */
export function hasCapability(store: object, capability: StoreCapability): boolean {
  if (capability === 'ttl') return true;
  return typeof (store as Record<string, unknown>)[capability] === 'function';
}
