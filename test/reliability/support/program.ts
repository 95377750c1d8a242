import fc from 'fast-check';
import { DelegatedStore, type Layer } from '../../../lib/index.js';
import {
  Clock,
  ScheduledStore,
  WallClock,
  type FailableMethod,
  type FailurePlan,
} from './scheduled-store.js';

export const KEYS = ['a', 'b'] as const;
export type Key = (typeof KEYS)[number];

export type LoaderOutcome = 'value' | 'undefined' | 'reject';

export type Command =
  | { op: 'get'; key: Key }
  | { op: 'getMany'; keys: Key[] }
  | { op: 'set'; key: Key }
  | { op: 'delete'; key: Key }
  | { op: 'getOrLoad'; key: Key; loader: LoaderOutcome }
  | { op: 'getSet'; key: Key }
  | { op: 'invalidate'; keys: Key[] }
  | { op: 'clear'; cachesOnly: boolean }
  /** Moves the wall clock: past the caches' ttl (their entries turn stale), or past their grace too. */
  | { op: 'tick'; ms: number };

/** With `grace`, the cache layers' ttl and grace, in wall-clock ms. */
export const CACHE_TTL = 10;
export const CACHE_GRACE = 100;

export interface Config {
  /** 1 to 3 layers; with a primary, it is the last layer. */
  layers: number;
  primary: boolean;
  /** Per layer: the store has getMany. */
  batch: boolean[];
  /** Layer 0 has getSync (ignored when layer 0 is the primary). */
  sync: boolean;
  /** With `sync`, layer 0 also has setSync: backfills write it at once. */
  syncSet?: boolean;
  /** Per layer failure decisions (empty: the layer never fails). */
  failures: boolean[][];
  /** Initial value of each key (in the primary, or in every layer without a primary). */
  initial: Partial<Record<Key, boolean>>;
  /** With a primary: which cache layers start with a copy of the initial values. */
  copies: boolean[];
  /** The cache layers have a ttl and a grace: entries turn stale with `tick` and get refreshed. */
  grace?: boolean;
}

/**
 * The failures the contract covers, and so the only ones injected (before any effect, so a failed call
 * changed nothing):
 * - the primary layer: any call (get, getMany, set, delete);
 * - a non-primary layer: reads (get, getMany) and `set` (a write or a backfill), but never `delete`: a
 *   failed cache write is repaired by a best-effort delete, which the contract assumes succeeds.
 */
export function allowedFailures(primary: boolean): readonly FailableMethod[] {
  return primary ? ['get', 'getMany', 'set', 'delete'] : ['get', 'getMany', 'set'];
}

const keyArb = fc.constantFrom<Key>(...KEYS);

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('getMany' as const),
      keys: fc.array(keyArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('getOrLoad' as const),
      key: keyArb,
      loader: fc.constantFrom<LoaderOutcome>('value', 'value', 'undefined', 'reject'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('getSet' as const), key: keyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('invalidate' as const),
      keys: fc.array(keyArb, { minLength: 1, maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const), cachesOnly: fc.boolean() }) },
);

/** The commands of a program over layers with grace: the same, plus moves of the wall clock. */
export const timedCommandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: commandArb },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('tick' as const),
      ms: fc.constantFrom(CACHE_TTL + 1, CACHE_TTL + CACHE_GRACE + 1),
    }),
  },
);

export function configArb(options: { failures: boolean; grace?: boolean }): fc.Arbitrary<Config> {
  return fc.integer({ min: 1, max: 3 }).chain((layers) =>
    fc.record({
      grace: fc.constant(options.grace === true),
      layers: fc.constant(layers),
      primary: fc.boolean(),
      batch: fc.array(fc.boolean(), { minLength: layers, maxLength: layers }),
      sync: fc.boolean(),
      syncSet: fc.boolean(),
      failures: fc.array(
        options.failures
          ? fc.array(
              fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
              { maxLength: 12 },
            )
          : fc.constant([]),
        { minLength: layers, maxLength: layers },
      ),
      initial: fc.record({ a: fc.boolean(), b: fc.boolean() }),
      copies: fc.array(fc.boolean(), { minLength: layers, maxLength: layers }),
    }),
  );
}

export interface OpRecord {
  id: number;
  command: Command;
  inv: number;
  res: number;
  ok: boolean;
  /** The value written by a set. */
  written?: string;
  /** What a read resolved: one entry per key (a get has one). */
  results?: Array<string | undefined>;
  error?: unknown;
  /** With grace: the wall time when the operation was called (ms). */
  wallInv?: number;
  /** A get's or getOrLoad's `onServed`: the layer that served the value (`'loader'`, or none for a miss). */
  served?: { layer: string | undefined; stale: boolean };
}

export interface LoadRecord {
  key: Key;
  /** When the getOrLoad that called the loader was invoked. */
  trigger: number;
  start: number;
  end?: number;
  ok?: boolean;
  value?: string;
}

export interface Run {
  config: Config;
  store: DelegatedStore<string, string>;
  layers: ScheduledStore[];
  primary: ScheduledStore | undefined;
  ops: OpRecord[];
  loads: LoadRecord[];
  initial: Map<string, string>;
  clock: Clock;
  /** Violations noticed while the program ran (property 4 at each acknowledged write). */
  violations: string[];
}

/** A write through the store: it changes (or removes) the key's value in the layers it reaches. */
export function isWriteCommand(command: Command): boolean {
  return command.op === 'set' || command.op === 'delete' || command.op === 'getSet';
}

export function buildStore(s: fc.Scheduler, config: Config, clock = new Clock(), wall = new WallClock()) {
  const primaryIndex = config.primary ? config.layers - 1 : -1;
  const stores: ScheduledStore[] = [];
  const layers: Layer<string, string>[] = [];
  for (let i = 0; i < config.layers; i++) {
    const plan: FailurePlan = {
      methods: allowedFailures(i === primaryIndex),
      decisions: config.failures[i] ?? [],
    };
    const cache = i !== primaryIndex;
    const store = new ScheduledStore(`L${i}`, s, clock, plan, {
      batch: config.batch[i],
      sync: i === 0 && config.sync && cache,
      syncSet: i === 0 && config.sync && config.syncSet === true && cache,
      wall: config.grace ? wall : undefined,
    });
    stores.push(store);
    const freshness = config.grace && cache ? { ttl: CACHE_TTL, grace: CACHE_GRACE } : {};
    layers.push({ store, primary: i === primaryIndex, name: `L${i}`, ...freshness });
  }
  const initial = new Map<string, string>();
  for (const key of KEYS) {
    if (!config.initial[key]) continue;
    const value = `init-${key}`;
    initial.set(key, value);
    stores.forEach((store, i) => {
      if (primaryIndex < 0 || i === primaryIndex || config.copies[i]) store.data.set(key, value);
      // With grace, the caches' initial copies were written with their ttl: a tick makes them stale.
      if (config.grace && i !== primaryIndex && store.data.has(key)) {
        const ttl = CACHE_TTL + CACHE_GRACE;
        store.expiries.set(key, wall.now + ttl);
        store.events.push({ at: 0, layer: store.name, method: 'set', key, value, wall: wall.now, ttl });
      }
    });
  }
  const store = new DelegatedStore<string, string>(layers);
  return {
    store,
    stores,
    primary: primaryIndex < 0 ? undefined : stores[primaryIndex],
    initial,
    clock,
    wall,
  };
}

export function describeCommand(command: Command): string {
  switch (command.op) {
    case 'getMany':
      return `getMany([${command.keys.join(',')}])`;
    case 'getOrLoad':
      return `getOrLoad(${command.key}, loader:${command.loader})`;
    case 'invalidate':
      return `invalidate([${command.keys.join(',')}])`;
    case 'clear':
      return command.cachesOnly ? 'clear({ cachesOnly })' : 'clear()';
    case 'tick':
      return `tick(${command.ms} ms)`;
    default:
      return `${command.op}(${command.key})`;
  }
}

/**
 * Runs the program: each command starts at a point the scheduler picks, every layer call and loader call
 * is ordered by the scheduler, then the store is drained.
 */
export async function runProgram(s: fc.Scheduler, config: Config, program: Command[]): Promise<Run> {
  const { store, stores, primary, initial, clock, wall } = buildStore(s, config);
  // The store reads the wall clock through Date.now(): make it the run's, for the run.
  const realNow = Date.now;
  if (config.grace) Date.now = () => wall.now;
  try {
    return await runScheduled(s, config, program, { store, stores, primary, initial, clock, wall });
  } finally {
    Date.now = realNow;
  }
}

async function runScheduled(
  s: fc.Scheduler,
  config: Config,
  program: Command[],
  built: ReturnType<typeof buildStore>,
): Promise<Run> {
  const { store, stores, primary, initial, clock, wall } = built;
  const ops: OpRecord[] = [];
  const loads: LoadRecord[] = [];
  const violations: string[] = [];
  let values = 0;

  const exec = (id: number, command: Command): Promise<void> => {
    const record: OpRecord = { id, command, inv: 0, res: 0, ok: false };
    ops.push(record);
    record.inv = clock.tick();
    if (config.grace) record.wallInv = wall.now;
    const onServed = (layer: string | undefined, info: { stale: boolean }) =>
      (record.served = { layer, stale: info.stale });
    let call: Promise<unknown>;
    switch (command.op) {
      case 'get':
        call = store.get(command.key, { onServed }).then((value) => (record.results = [value]));
        break;
      case 'getMany':
        call = store.getMany(command.keys).then((found) => (record.results = found));
        break;
      case 'set': {
        const value = `v${++values}`;
        record.written = value;
        call = store.set(command.key, value);
        break;
      }
      case 'delete':
        call = store.delete(command.key);
        break;
      case 'getSet': {
        const value = `v${++values}`;
        record.written = value;
        call = store.getSet(command.key, value).then((old) => (record.results = [old]));
        break;
      }
      case 'invalidate':
        call = store.invalidate(command.keys);
        break;
      case 'clear':
        call = store.clear({ cachesOnly: command.cachesOnly });
        break;
      case 'tick':
        wall.now += command.ms;
        call = Promise.resolve();
        break;
      case 'getOrLoad': {
        const loader = (key: string): Promise<string | undefined> => {
          const load: LoadRecord = { key: key as Key, trigger: record.inv, start: clock.tick() };
          loads.push(load);
          const value = `L${++values}`;
          return s.schedule(Promise.resolve(), `loader(${key}) #${id}`).then(() => {
            load.end = clock.tick();
            if (command.loader === 'reject') {
              load.ok = false;
              throw new Error(`loader #${id} failed`);
            }
            load.ok = true;
            load.value = command.loader === 'value' ? value : undefined;
            return load.value;
          });
        };
        call = store.getOrLoad(command.key, loader, { onServed }).then((value) => (record.results = [value]));
        break;
      }
    }
    return call.then(
      () => {
        record.res = clock.tick();
        record.ok = true;
        if (isWriteCommand(command) && primary) {
          const key = (command as { key: Key }).key;
          const later = ops.some(
            (op) =>
              (isWriteCommand(op.command) || (op.command.op === 'clear' && !op.command.cachesOnly)) &&
              (op.command.op === 'clear' || (op.command as { key: Key }).key === key) &&
              op.inv > record.inv,
          );
          const held = primary.data.get(key);
          if (!later && held !== record.written) {
            violations.push(
              `#${id} ${describeCommand(command)} resolved but the primary holds ${String(held)} instead of ${String(record.written)}`,
            );
          }
        }
      },
      (error: unknown) => {
        record.res = clock.tick();
        record.error = error;
      },
    );
  };

  const runs = program.map((command, id) =>
    s.schedule(Promise.resolve(), `start #${id} ${describeCommand(command)}`).then(() => exec(id, command)),
  );
  await s.waitFor(Promise.all(runs));
  await s.waitFor(store.drain());
  await s.waitIdle();
  return { config, store, layers: stores, primary, ops, loads, initial, clock, violations };
}
