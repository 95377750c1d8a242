import { NotFoundError, type Store, type ValueWithExpiry } from '../../../lib/index.js';
import { ReferenceStore } from './reference-store.js';

/**
 * Stores with one defect each, every one a mistake a real implementation makes (a SQL `IN ()` on an
 * empty batch, `value || undefined`, a ttl in seconds, SET KEEPTTL, a read-then-write getSet...), and
 * the checks of the suite that must report it, with the words of the report.
 */
export interface BrokenStore {
  /** What is wrong with it. */
  defect: string;
  make(): Store<string, unknown>;
  /** Check id (`group › check`) → what its failure message must say. */
  reports: Record<string, RegExp>;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Applies `change` to every string in a JSON value. */
function mapStrings(value: unknown, change: (text: string) => string): unknown {
  if (typeof value === 'string') return change(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, change));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, change)]));
  }
  return value;
}

/** Drops empty arrays and objects, as some serialisers (and DynamoDB's old marshalling) do. */
function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .map(dropEmpty)
      .filter((v) => !(typeof v === 'object' && v !== null && Object.keys(v).length === 0));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, dropEmpty(v)] as const)
      .filter(([, v]) => !(typeof v === 'object' && v !== null && Object.keys(v).length === 0));
    return Object.fromEntries(entries);
  }
  return value;
}

const EMPTY_BATCH = () => new Error('syntax error at or near ")"');

class Forgetful extends ReferenceStore {
  protected override read() {
    return undefined;
  }
}

class NullForMiss extends ReferenceStore {
  override async get(key: string): Promise<unknown> {
    const entry = this.read(key);
    return entry ? entry.value : null;
  }
}

class FirstWriteWins extends ReferenceStore {
  protected override write(key: string, value: unknown, ttl?: number): void {
    if (this.read(key) === undefined) super.write(key, value, ttl);
  }
}

class DeleteDoesNothing extends ReferenceStore {
  protected override remove(): void {}
}

class DeleteOfMissingRejects extends ReferenceStore {
  override async delete(key: string): Promise<void> {
    if (this.read(key) === undefined) throw new NotFoundError(`no row for ${key}`);
    this.remove(key);
  }
}

class TruncatedKeys extends ReferenceStore {
  protected override read(key: string) {
    return super.read(key.slice(0, 16));
  }
  protected override write(key: string, value: unknown, ttl?: number): void {
    super.write(key.slice(0, 16), value, ttl);
  }
  protected override remove(key: string): void {
    super.remove(key.slice(0, 16));
  }
}

/** Writes an object field by field; concurrent writers interleave, later calls finishing first. */
class TornWrites extends ReferenceStore {
  #calls = 0;
  override async set(key: string, value: unknown, ttl?: number): Promise<void> {
    const order = this.#calls++;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return super.set(key, value, ttl);
    if (this.read(key) === undefined) this.write(key, {}, ttl);
    for (const [field, part] of Object.entries(value)) {
      const row = this.read(key)?.value as Record<string, unknown>;
      row[field] = part;
      for (let i = 0; i < 8 - (order % 8); i++) await tick();
    }
  }
}

class FalsyIsMiss extends ReferenceStore {
  protected override read(key: string) {
    const entry = super.read(key);
    return entry?.value ? entry : undefined;
  }
}

class DropsEmptyValues extends ReferenceStore {
  protected override write(key: string, value: unknown, ttl?: number): void {
    super.write(key, dropEmpty(value), ttl);
  }
}

class Latin1Strings extends ReferenceStore {
  protected override write(key: string, value: unknown, ttl?: number): void {
    super.write(
      key,
      mapStrings(value, (s) => Buffer.from(s, 'latin1').toString('latin1')),
      ttl,
    );
  }
}

class Truncates64k extends ReferenceStore {
  protected override write(key: string, value: unknown, ttl?: number): void {
    super.write(
      key,
      mapStrings(value, (s) => s.slice(0, 65_535)),
      ttl,
    );
  }
}

class IgnoresTtl extends ReferenceStore {
  protected override write(key: string, value: unknown): void {
    super.write(key, value);
  }
}

/** Keeps the expiry of the entry it overwrites, as `SET ... KEEPTTL` would. */
class KeepsFirstExpiry extends ReferenceStore {
  protected override write(key: string, value: unknown, ttl?: number): void {
    const old = this.read(key);
    super.write(key, value, ttl);
    if (old) this.map.set(key, { value, expiresAt: old.expiresAt });
  }
}

class ReadThenWriteGetSet extends ReferenceStore {
  override async getSet(key: string, value: unknown, ttl?: number): Promise<unknown> {
    const old = await this.get(key);
    await tick();
    await this.set(key, value, ttl);
    return old;
  }
}

class GetSetReturnsNew extends ReferenceStore {
  override async getSet(key: string, value: unknown, ttl?: number): Promise<unknown> {
    await super.getSet(key, value, ttl);
    return value;
  }
}

class GetSetIgnoresTtl extends ReferenceStore {
  override async getSet(key: string, value: unknown): Promise<unknown> {
    return super.getSet(key, value);
  }
}

class GetSetReturnsExpired extends ReferenceStore {
  override async getSet(key: string, value: unknown, ttl?: number): Promise<unknown> {
    const old = this.raw(key)?.value;
    this.write(key, value, ttl);
    return old;
  }
}

class HasLies extends ReferenceStore {
  override async has(key: string): Promise<boolean> {
    return this.read(key) === undefined;
  }
}

class HasIgnoresExpiry extends ReferenceStore {
  override async has(key: string): Promise<boolean> {
    return this.raw(key) !== undefined;
  }
}

class BatchReadsDeduplicate extends ReferenceStore {
  override async getMany(keys: readonly string[]): Promise<unknown[]> {
    return super.getMany([...new Set(keys)]);
  }
  override async getManyWithExpiry(
    keys: readonly string[],
  ): Promise<Array<ValueWithExpiry<unknown> | undefined>> {
    return super.getManyWithExpiry([...new Set(keys)]);
  }
}

class EmptyBatchRejects extends ReferenceStore {
  override async getMany(keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 0) throw EMPTY_BATCH();
    return super.getMany(keys);
  }
  override async setMany(
    entries: ReadonlyArray<{ key: string; value: unknown; ttl?: number }>,
  ): Promise<void> {
    if (entries.length === 0) throw EMPTY_BATCH();
    return super.setMany(entries);
  }
  override async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) throw EMPTY_BATCH();
    return super.deleteMany(keys);
  }
  override async getManyWithExpiry(
    keys: readonly string[],
  ): Promise<Array<ValueWithExpiry<unknown> | undefined>> {
    if (keys.length === 0) throw EMPTY_BATCH();
    return super.getManyWithExpiry(keys);
  }
}

/** Filters expired rows in get only (the other queries forgot the `expires_at > now()` clause). */
class StaleBatchReads extends ReferenceStore {
  override async getMany(keys: readonly string[]): Promise<unknown[]> {
    return keys.map((key) => this.raw(key)?.value);
  }
  override async getWithExpiry(key: string): Promise<ValueWithExpiry<unknown> | undefined> {
    return this.withExpiry(this.raw(key));
  }
  override async getManyWithExpiry(
    keys: readonly string[],
  ): Promise<Array<ValueWithExpiry<unknown> | undefined>> {
    return keys.map((key) => this.withExpiry(this.raw(key)));
  }
}

class SetManyWritesFirstOnly extends ReferenceStore {
  override async setMany(
    entries: ReadonlyArray<{ key: string; value: unknown; ttl?: number }>,
  ): Promise<void> {
    return super.setMany(entries.slice(0, 1));
  }
}

/** One ttl for the whole batch (MSET, then one EXPIRE per key with the first entry's ttl). */
class SetManyOneTtl extends ReferenceStore {
  override async setMany(
    entries: ReadonlyArray<{ key: string; value: unknown; ttl?: number }>,
  ): Promise<void> {
    return super.setMany(entries.map((entry) => ({ ...entry, ttl: entries[0]?.ttl })));
  }
}

/** INSERT ... ON CONFLICT DO NOTHING within the batch. */
class SetManyFirstWins extends ReferenceStore {
  override async setMany(
    entries: ReadonlyArray<{ key: string; value: unknown; ttl?: number }>,
  ): Promise<void> {
    const seen = new Set<string>();
    return super.setMany(entries.filter((entry) => !seen.has(entry.key) && seen.add(entry.key)));
  }
}

class DeleteManyFirstOnly extends ReferenceStore {
  override async deleteMany(keys: readonly string[]): Promise<void> {
    return super.deleteMany(keys.slice(0, 1));
  }
}

/** `DELETE FROM t` + a WHERE clause built from the keys, empty when there are none. */
class DeleteManyOfNothingDeletesAll extends ReferenceStore {
  override async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) this.map.clear();
    return super.deleteMany(keys);
  }
}

class ExpiryMissIsAnEntry extends ReferenceStore {
  override async getWithExpiry(key: string): Promise<ValueWithExpiry<unknown> | undefined> {
    return (await super.getWithExpiry(key)) ?? ({ value: undefined } as ValueWithExpiry<unknown>);
  }
}

class ExpiryForeverIsInfinity extends ReferenceStore {
  protected override withExpiry(entry: Parameters<ReferenceStore['withExpiry']>[0]) {
    const found = super.withExpiry(entry);
    return found && { value: found.value, expiresAt: found.expiresAt ?? Infinity };
  }
}

class ExpiryInSeconds extends ReferenceStore {
  protected override withExpiry(entry: Parameters<ReferenceStore['withExpiry']>[0]) {
    const found = super.withExpiry(entry);
    if (found?.expiresAt === undefined) return found;
    return { value: found.value, expiresAt: Math.floor(found.expiresAt / 1000) };
  }
}

class ClearDoesNothing extends ReferenceStore {
  override async clear(): Promise<void> {}
}

class ClearClosesTheStore extends ReferenceStore {
  #closed = false;
  override async clear(): Promise<void> {
    await super.clear();
    this.#closed = true;
  }
  protected override write(key: string, value: unknown, ttl?: number): void {
    if (this.#closed) throw new Error('the connection is closed');
    super.write(key, value, ttl);
  }
}

/** Lists keys from an index that writes add to but deletes and clear never update. */
class StaleKeyIndex extends ReferenceStore {
  readonly #index = new Set<string>();
  protected override write(key: string, value: unknown, ttl?: number): void {
    this.#index.add(key);
    super.write(key, value, ttl);
  }
  override async *keys(): AsyncGenerator<string> {
    yield* this.#index;
  }
}

class KeysTwice extends ReferenceStore {
  override async *keys(): AsyncGenerator<string> {
    for await (const key of super.keys()) {
      yield key;
      yield key;
    }
  }
}

/** Stops after the first page of a cursor. */
class KeysFirstPageOnly extends ReferenceStore {
  override async *keys(): AsyncGenerator<string> {
    let n = 0;
    for await (const key of super.keys()) {
      if (n++ === 100) return;
      yield key;
    }
  }
}

/** Holds a row of its own (a schema version), so keys() yields a key no test wrote. */
export class HoldsOtherKeys extends ReferenceStore {
  constructor() {
    super();
    this.write('meta:schema-version', 3);
  }
  override async clear(): Promise<void> {
    await super.clear();
    this.write('meta:schema-version', 3);
  }
}

/** A cursor that never reports the end. */
class EndlessKeys extends ReferenceStore {
  override async *keys(): AsyncGenerator<string> {
    for (let n = 0; ; n++) yield `loop:${n % 3}`;
  }
}

const RW = 'get, set and delete';
export const BROKEN_STORES: readonly BrokenStore[] = [
  {
    defect: 'forgets every value',
    make: () => new Forgetful(),
    reports: {
      [`${RW} › get after set returns the value`]:
        /^get after set returned undefined; a Store must return the value it was given$/,
    },
  },
  {
    defect: 'answers null for a miss',
    make: () => new NullForMiss(),
    reports: {
      [`${RW} › get of a key never written resolves undefined (or rejects with NotFoundError)`]:
        /get of a key never written returned null; a miss must resolve undefined/,
    },
  },
  {
    defect: 'keeps the first value written (ON CONFLICT DO NOTHING)',
    make: () => new FirstWriteWins(),
    reports: {
      [`${RW} › a second set replaces the value: the last write wins`]:
        /returned the first value; set must replace it/,
    },
  },
  {
    defect: 'delete does nothing',
    make: () => new DeleteDoesNothing(),
    reports: {
      [`${RW} › delete removes the key, and deleting a missing key resolves`]: /delete must remove the key/,
    },
  },
  {
    defect: 'delete of a missing key rejects',
    make: () => new DeleteOfMissingRejects(),
    reports: {
      [`${RW} › delete removes the key, and deleting a missing key resolves`]:
        /^delete\('conformance:\w+:\d+'\) rejected with NotFoundError: no row for/,
    },
  },
  {
    defect: 'truncates keys to 16 characters',
    make: () => new TruncatedKeys(),
    reports: {
      [`${RW} › keys are independent: writing or deleting one leaves the others`]: /the store mixes keys up/,
    },
  },
  {
    defect: 'writes an object field by field, so concurrent writes tear',
    make: () => new TornWrites(),
    reports: {
      [`${RW} › concurrent sets of one key leave one of the written values`]:
        /after 8 concurrent sets of one key, get returned .*, which none of them wrote/,
    },
  },
  {
    defect: 'takes a falsy value for a miss (value || undefined)',
    make: () => new FalsyIsMiss(),
    reports: {
      'values › null is a value, not a miss': /get after set\(null\) returned undefined; null is a value/,
      'values › 0, false and the empty string are values':
        /get after set\(0\) returned undefined; 0 is a value/,
      'getMany › null, 0, false and the empty string are values, not misses':
        /getMany: entry 0 .* is undefined instead of null/,
      'getWithExpiry › null is a value': /getWithExpiry after set\(null\) resolved undefined/,
      'has › true for a key that holds null, 0, false or the empty string':
        /has after set\(null\) resolved false/,
      'getSet › resolves null when it replaces null': /getSet over a stored null returned undefined/,
    },
  },
  {
    defect: 'drops empty arrays and objects',
    make: () => new DropsEmptyValues(),
    reports: { 'values › nested objects and arrays round-trip': /a nested value came back as/ },
  },
  {
    defect: 'stores strings as latin1',
    make: () => new Latin1Strings(),
    reports: { 'values › unicode strings round-trip': /came back as .*; strings must round-trip/ },
  },
  {
    defect: 'truncates strings to 65 535 characters',
    make: () => new Truncates64k(),
    reports: {
      'values › a large value round-trips': /came back different \(its text has 65535 characters\)/,
    },
  },
  {
    defect: 'ignores the ttl',
    make: () => new IgnoresTtl(),
    reports: {
      'ttl › an entry expires after its ttl, and one written without ttl does not':
        /^ttl 40 ms: still readable after \d+ ms/,
      'ttl › a later set with a shorter ttl shortens the entry': /^ttl 40 ms: still readable after/,
      'getMany › an entry whose ttl passed is a miss': /^ttl 40 ms: still readable/,
      'setMany › each entry keeps its own ttl': /^ttl 40 ms: still readable/,
      'getWithExpiry › expiresAt is the time of the set + ttl, in epoch milliseconds':
        /gave expiresAt undefined/,
      'getWithExpiry › an entry whose ttl passed is a miss': /^ttl 40 ms: still readable/,
      'has › false once the ttl passed': /has resolved true/,
      'getSet › with a ttl, the new entry expires per that ttl': /^ttl 40 ms: still readable/,
    },
  },
  {
    defect: 'keeps the expiry of the entry it overwrites (SET KEEPTTL)',
    make: () => new KeepsFirstExpiry(),
    reports: {
      'ttl › a later set with a longer ttl extends the entry':
        /each set gives the entry the ttl it is called with/,
      'ttl › a later set without ttl keeps the entry for good': /it must not keep the old ttl/,
      'ttl › a later set with a shorter ttl shortens the entry': /^ttl 40 ms: still readable/,
      'getWithExpiry › a later set without ttl removes the expiry': /written without ttl gave expiresAt \d+/,
      'getSet › without ttl, the new entry never expires, even where the old one had a ttl':
        /it must not keep the old ttl/,
    },
  },
  {
    defect: 'getSet reads, then writes (not atomic)',
    make: () => new ReadThenWriteGetSet(),
    reports: {
      'getSet › concurrent getSets of one key take turns: each returns the value the previous one wrote':
        /8 concurrent getSets of one key returned .* 8 times; an atomic swap returns each value once/,
    },
  },
  {
    defect: 'getSet returns the new value',
    make: () => new GetSetReturnsNew(),
    reports: {
      'getSet › resolves undefined for a key never written, and writes the value': /returned the new value/,
      'getSet › resolves the value it replaced, and writes the new one':
        /^getSet returned the new value; it must return the value it replaced$/,
      'getSet › resolves null when it replaces null': /returned 'next'/,
    },
  },
  {
    defect: 'getSet ignores its ttl',
    make: () => new GetSetIgnoresTtl(),
    reports: { 'getSet › with a ttl, the new entry expires per that ttl': /written by getSet/ },
  },
  {
    defect: 'getSet returns an expired value as the old one',
    make: () => new GetSetReturnsExpired(),
    reports: {
      'getSet › a value whose ttl passed is not returned as the old value':
        /getSet returned it as the old value/,
    },
  },
  {
    defect: 'has() lies: true for a missing key, false for a present one',
    make: () => new HasLies(),
    reports: {
      'has › true for a key that holds a value': /^has after set resolved false/,
      'has › false for a key never written, and after delete': /^has of a key never written resolved true/,
      'has › true for a key that holds null, 0, false or the empty string': /resolved false/,
      // Which lie shows first depends on how soon after the set has() answers.
      'has › false once the ttl passed':
        /^ttl 40 ms: (has \d+ ms after the set resolved false|still readable after \d+ ms \(has resolved true\))/,
    },
  },
  {
    defect: 'has() ignores the ttl',
    make: () => new HasIgnoresExpiry(),
    reports: {
      'has › false once the ttl passed': /^ttl 40 ms: still readable after \d+ ms \(has resolved true\)/,
    },
  },
  {
    defect: 'batch reads drop duplicate keys',
    make: () => new BatchReadsDeduplicate(),
    reports: {
      'getMany › answers one entry per key, in the order asked, undefined for a miss, duplicates allowed':
        /getMany of 5 keys returned 4 entries/,
      'getManyWithExpiry › answers one entry per key, in the order asked, with expiries, misses and duplicates':
        /getManyWithExpiry of 4 keys returned 3 entries/,
    },
  },
  {
    defect: 'rejects an empty batch (SQL IN ())',
    make: () => new EmptyBatchRejects(),
    reports: {
      'getMany › answers [] for no keys': /^getMany\(\[\]\) rejected with Error: syntax error/,
      'setMany › no entries: resolves, and writes nothing':
        /^setMany\(\[\]\) rejected with Error: syntax error/,
      'deleteMany › no keys: resolves, and removes nothing': /^deleteMany\(\[\]\) rejected with/,
      'getManyWithExpiry › answers [] for no keys': /^getManyWithExpiry\(\[\]\) rejected with/,
    },
  },
  {
    defect: 'batch reads and getWithExpiry return expired entries',
    make: () => new StaleBatchReads(),
    reports: {
      'getMany › an entry whose ttl passed is a miss': /getMany returned .* for it/,
      'getWithExpiry › an entry whose ttl passed is a miss': /getWithExpiry resolved/,
      'getManyWithExpiry › an entry whose ttl passed is a miss': /getManyWithExpiry gave/,
    },
  },
  {
    defect: 'setMany writes the first entry only',
    make: () => new SetManyWritesFirstOnly(),
    reports: { 'setMany › writes every entry': /get after setMany returned undefined/ },
  },
  {
    defect: "setMany gives every entry the first entry's ttl",
    make: () => new SetManyOneTtl(),
    reports: { 'setMany › each entry keeps its own ttl': /the entry with ttl 60000 ms was gone/ },
  },
  {
    defect: 'setMany keeps the first entry of a key given twice',
    make: () => new SetManyFirstWins(),
    reports: {
      'setMany › a key given twice: the later entry wins': /kept the first entry; the later one must win/,
    },
  },
  {
    defect: 'deleteMany deletes the first key only',
    make: () => new DeleteManyFirstOnly(),
    reports: {
      'deleteMany › removes exactly the given keys, missing ones and duplicates included':
        /deleteMany must remove every key given/,
    },
  },
  {
    defect: 'deleteMany([]) deletes everything (a WHERE built from no keys)',
    make: () => new DeleteManyOfNothingDeletesAll(),
    reports: { 'deleteMany › no keys: resolves, and removes nothing': /deleteMany\(\[\]\) removed an entry/ },
  },
  {
    defect: 'getWithExpiry answers { value: undefined } for a miss',
    make: () => new ExpiryMissIsAnEntry(),
    reports: {
      'getWithExpiry › resolves undefined for a miss': /resolved \{ value: undefined \} instead of undefined/,
    },
  },
  {
    defect: 'getWithExpiry gives expiresAt: Infinity for an entry without ttl',
    make: () => new ExpiryForeverIsInfinity(),
    reports: {
      'getWithExpiry › an entry written without ttl has its value and no expiresAt':
        /gave expiresAt Infinity/,
      'getWithExpiry › a later set without ttl removes the expiry': /gave expiresAt Infinity/,
      'getManyWithExpiry › answers one entry per key, in the order asked, with expiries, misses and duplicates':
        /entry 0 of an entry written without ttl gave expiresAt Infinity/,
    },
  },
  {
    defect: 'getWithExpiry gives expiresAt in seconds',
    make: () => new ExpiryInSeconds(),
    reports: {
      'getWithExpiry › expiresAt is the time of the set + ttl, in epoch milliseconds':
        /it looks like seconds/,
      'getManyWithExpiry › answers one entry per key, in the order asked, with expiries, misses and duplicates':
        /it looks like seconds/,
    },
  },
  {
    defect: 'clear does nothing',
    make: () => new ClearDoesNothing(),
    reports: {
      'clear › empties the store': /get after clear returned .*; clear must remove every entry/,
      'clear › keys() yields nothing after clear': /keys\(\) after clear yielded/,
    },
  },
  {
    defect: 'clear leaves the store unusable',
    make: () => new ClearClosesTheStore(),
    reports: { 'clear › the store works after clear': /rejected with Error: the connection is closed/ },
  },
  {
    defect: 'keys() lists from an index that deletes never update',
    make: () => new StaleKeyIndex(),
    reports: {
      'keys › does not yield a deleted key': /which was deleted/,
      'keys › yields nothing from an empty store': /keys\(\) of an empty store yielded/,
      'clear › keys() yields nothing after clear': /keys\(\) after clear yielded/,
    },
  },
  {
    defect: 'keys() yields every key twice',
    make: () => new KeysTwice(),
    reports: {
      'keys › yields every key written, each once': /yielded '.*' 2 times; each key must be yielded once/,
    },
  },
  {
    defect: 'keys() stops after the first page',
    make: () => new KeysFirstPageOnly(),
    reports: {
      'keys › yields every key of a listing longer than one page':
        /keys\(\) did not yield .* \(50 keys in all\)/,
    },
  },
  {
    defect: 'holds a key of its own, though declared isolated',
    make: () => new HoldsOtherKeys(),
    reports: {
      'keys › yields every key written, each once':
        /yielded 'meta:schema-version', which the suite did not write/,
      'keys › yields nothing from an empty store': /yielded \[ 'meta:schema-version' \]/,
    },
  },
  {
    defect: 'keys() never ends',
    make: () => new EndlessKeys(),
    reports: { 'keys › yields nothing from an empty store': /its iteration must end/ },
  },
];
