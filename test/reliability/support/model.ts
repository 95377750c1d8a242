import { KNOWN_BUGS } from './known-bugs.js';
import {
  CACHE_GRACE,
  CACHE_TTL,
  KEYS,
  describeCommand,
  type Command,
  type OpRecord,
  type Run,
} from './program.js';
import type { ScheduledStore } from './scheduled-store.js';

/** One way a key got its value: a write through the store, or a loader result. */
type Source =
  | { kind: 'write'; value: string | undefined; inv: number; res: number }
  /** A failed set without a primary: the layers that failed got a best-effort delete. */
  | { kind: 'failed'; value: undefined; inv: number }
  /** A loader result: it did not replace the primary's state, so it does not supersede anything. */
  | { kind: 'load'; value: string | undefined; start: number };

/**
 * What an operation does to one key's value. `write`: it sets it (a value) or removes it (undefined) in
 * every layer (set, getSet, delete, a full clear; invalidate and cachesOnly clear when every layer is a
 * cache). `invalidate`: it removes the cache copies only, leaving the primary's value (invalidate and a
 * cachesOnly clear with a primary): a later read may still return the primary's value, but no longer a
 * loader's value that only the caches held. Writes and clears land in issue order.
 */
function effect(command: Command, key: string, primary: boolean): 'write' | 'invalidate' | undefined {
  switch (command.op) {
    case 'set':
    case 'delete':
    case 'getSet':
      return command.key === key ? 'write' : undefined;
    case 'clear':
      return command.cachesOnly && primary ? 'invalidate' : 'write';
    case 'invalidate':
      return command.keys.includes(key as never) ? (primary ? 'invalidate' : 'write') : undefined;
    default:
      return undefined;
  }
}

function isWrite(op: OpRecord, key: string, primary: boolean): boolean {
  return effect(op.command, key, primary) === 'write';
}

/**
 * The reference model. For one key it knows every acknowledged write (in the order the store serialises
 * writes of a key: invocation order), every loader result, and every write that failed, and answers
 * "which values may a read that ran from `inv` to `res` return?":
 * - the value of the last write acknowledged before the read started (or the initial value);
 * - the value of any write that overlaps the read (issued before the read ended, acknowledged after it
 *   started);
 * - the value of a load (or of a failed write without a primary, which deletes the key from the layers
 *   that failed) that started before the read ended, unless an acknowledged write resolved after the load
 *   started and before the read started: such a write supersedes it.
 * Without a primary layer, a read may also miss (`undefined`) when a layer read failed for that key during
 * its window: the layer that failed may hold the only copy.
 */
export class Model {
  readonly #sources = new Map<string, Source[]>();
  readonly #writes = new Map<string, OpRecord[]>();
  /** Acknowledged writes and cache invalidations: either supersedes a load. */
  readonly #loadEnders = new Map<string, OpRecord[]>();

  constructor(private readonly run: Run) {
    const primary = run.primary !== undefined;
    for (const key of KEYS) {
      const sources: Source[] = [{ kind: 'write', value: run.initial.get(key), inv: 0, res: 0 }];
      const writes = run.ops.filter((op) => isWrite(op, key, primary) && op.ok);
      for (const op of run.ops) {
        if (!isWrite(op, key, primary)) continue;
        if (op.ok) sources.push({ kind: 'write', value: op.written, inv: op.inv, res: op.res });
        else if (!primary && (op.command.op === 'set' || op.command.op === 'getSet')) {
          sources.push({ kind: 'failed', value: undefined, inv: op.inv });
        }
      }
      this.#loadEnders.set(
        key,
        run.ops.filter((op) => op.ok && effect(op.command, key, primary) !== undefined),
      );
      for (const load of run.loads) {
        if (load.key === key && load.ok) {
          // Rule 5: the load's write is dropped when a write overlapped the walk that missed, which began
          // no later than the getOrLoad call.
          const start = KNOWN_BUGS.loadAfterOverlappedWalk ? load.start : load.trigger;
          sources.push({ kind: 'load', value: load.value, start });
        }
      }
      this.#sources.set(key, sources);
      this.#writes.set(key, writes);
    }
  }

  /**
   * Every value a read of `key` that ran from `inv` to `res` may return. `own`: the id of a getSet whose
   * returned old value is checked: its own write does not count.
   */
  allowed(key: string, inv: number, res: number, own?: number): Set<string | undefined> {
    const writes = this.#writes.get(key)!;
    const loadEnders = this.#loadEnders.get(key)!;
    const allowed = new Set<string | undefined>();
    for (const source of this.#sources.get(key)!) {
      if (source.kind === 'write' || source.kind === 'failed') {
        if (source.inv >= res) continue;
        if (own !== undefined && source.kind === 'write' && source.inv === this.#invOf(own)) continue;
        const superseded = writes.some((w) => w.inv > source.inv && w.res < inv);
        if (!superseded) allowed.add(source.value);
      } else {
        if (source.start >= res) continue;
        const superseded = loadEnders.some((w) => w.res > source.start && w.res < inv);
        if (!superseded) allowed.add(source.value);
      }
    }
    // Without a primary, an entry that expired (the wall clock moved past its ttl) is simply gone, and a
    // refresh that finds nothing below deletes the stale copies: a miss is no stale value.
    if (!this.run.primary && this.run.config?.grace) {
      const ticked = this.run.ops.some((op) => op.command.op === 'tick' && op.inv < res);
      if (ticked) allowed.add(undefined);
    }
    if (!this.run.primary) {
      const lastAck = Math.max(0, ...writes.filter((w) => w.res < inv).map((w) => w.res));
      const failedRead = this.run.layers.some((layer) =>
        layer.events.some(
          (e) =>
            e.method === 'read-failure' &&
            // (a get may join the walk of a getMany, so the known bug reaches it too)
            (e.key === key || KNOWN_BUGS.getManyFailureSpreads) &&
            e.at > lastAck &&
            e.at < res,
        ),
      );
      if (failedRead) allowed.add(undefined);
    }
    return allowed;
  }

  #invOf(id: number): number {
    return this.run.ops.find((op) => op.id === id)!.inv;
  }

  /** The value the primary must hold at the end: the last acknowledged write's, or the initial one. */
  finalPrimary(key: string): string | undefined {
    const writes = this.#writes.get(key)!;
    return writes.length === 0 ? this.run.initial.get(key) : writes[writes.length - 1].written;
  }

  /** Every value ever given to the store for `key` before `at`: initial, set values, loader results. */
  history(key: string, at: number): Set<string> {
    const values = new Set<string>();
    const initial = this.run.initial.get(key);
    if (initial !== undefined) values.add(initial);
    for (const op of this.run.ops) {
      const sets = op.command.op === 'set' || op.command.op === 'getSet';
      if (sets && (op.command as { key: string }).key === key && op.written && op.inv < at) {
        values.add(op.written);
      }
    }
    for (const load of this.run.loads) {
      if (load.key === key && load.ok && load.value !== undefined && load.end! < at) values.add(load.value);
    }
    return values;
  }
}

function show(values: Iterable<string | undefined>): string {
  return `{${[...values].map(String).join(', ')}}`;
}

/** Every property that a finished, drained program must satisfy; returns the violations found. */
export function checkRun(run: Run, options: { failuresInjected: boolean }): string[] {
  const model = new Model(run);
  const violations = [...run.violations];
  const end = run.clock.now + 1;

  // 1. Read-your-writes (and no stale value) for every read that resolved; a getSet's old value too.
  for (const op of run.ops) {
    if (!op.ok || op.results === undefined) continue;
    const keys = op.command.op === 'getMany' ? op.command.keys : [(op.command as { key: string }).key];
    const own = op.command.op === 'getSet' ? op.id : undefined;
    if (op.results.length !== keys.length) {
      violations.push(`#${op.id} ${describeCommand(op.command)} resolved ${op.results.length} results`);
      continue;
    }
    keys.forEach((key, i) => {
      const allowed = model.allowed(key, op.inv, op.res, own);
      if (!allowed.has(op.results![i])) {
        violations.push(
          `read-your-writes: #${op.id} ${describeCommand(op.command)} [${op.inv}..${op.res}] returned ${String(op.results![i])} for ${key}, allowed ${show(allowed)}`,
        );
      }
    });
  }

  if (run.config?.grace) violations.push(...checkGraceBound(run));

  for (const key of KEYS) {
    const allowedFinal = model.allowed(key, end, end);
    const primaryValue = run.primary?.data.get(key);
    // 4. The primary holds the last acknowledged write.
    if (run.primary && primaryValue !== model.finalPrimary(key)) {
      violations.push(
        `acknowledged write: the primary holds ${String(primaryValue)} for ${key}, expected ${String(model.finalPrimary(key))}`,
      );
    }
    for (const layer of run.layers) {
      if (layer === run.primary) continue;
      const held = layer.data.get(key);
      // 2. No resurrection: after drain, a cache layer holds nothing older than the last acknowledged write.
      //    Without a primary and without failures, every layer got every write, so a miss is no excuse.
      const missOk = run.primary !== undefined || options.failuresInjected;
      if (!(held === undefined && missOk) && !allowedFinal.has(held)) {
        violations.push(
          `no resurrection: after drain, ${layer.name} holds ${String(held)} for ${key}, allowed ${show(allowedFinal)}`,
        );
      }
      // Agreement: with a primary and no failure, a cache holds the primary's value, nothing, or (when the
      // primary has nothing) a loader's value that no write superseded.
      if (run.primary && !options.failuresInjected && held !== undefined && held !== primaryValue) {
        const liveLoad =
          (primaryValue === undefined || KNOWN_BUGS.loadAfterOverlappedWalk) &&
          allowedFinal.has(held) &&
          held.startsWith('L');
        if (!liveLoad) {
          violations.push(
            `agreement: ${layer.name} holds ${held} for ${key}, the primary ${String(primaryValue)}`,
          );
        }
      }
      // 3. Cache ⊆ history: every value written to a cache layer was given to the store before.
      for (const event of layer.events) {
        if (event.method !== 'set') continue;
        if (!model.history(event.key, event.at).has(event.value!)) {
          violations.push(`cache ⊆ history: ${layer.name} was written ${event.value} for ${event.key}`);
        }
      }
    }
  }
  return violations;
}

/**
 * 5. The grace bound: a value served from a cache layer is at most `grace` past its ttl. Every cache write
 * asks for at most ttl + grace (the program gives no per-call ttl and no jitter, and a backfill's ttl is
 * cut to what its source has left). A read served by a cache layer (`onServed`; for a getMany, a value
 * only the caches can hold: no primary, or a loader's value) must have found a copy that landed there
 * less than ttl + grace (wall clock) before the layer handed it out. The copy read is the last one the
 * layer handed out before the read resolved (a read may join a walk that began before it), and it may
 * have been rewritten since it landed first (a refresh, a backfill): any landing of the value counts.
 */
function checkGraceBound(run: Run): string[] {
  const violations: string[] = [];
  const bound = CACHE_TTL + CACHE_GRACE;
  const caches = run.layers.filter((layer) => layer !== run.primary);
  for (const layer of caches) {
    for (const event of layer.events) {
      if (event.method === 'set' && event.ttl !== undefined && event.ttl > bound) {
        violations.push(
          `grace bound: ${layer.name} was written ${event.value} for ${event.key} with ttl ${event.ttl}, more than ttl + grace (${bound})`,
        );
      }
    }
  }
  for (const op of run.ops) {
    if (!op.ok || op.results === undefined) continue;
    const { command } = op;
    if (command.op === 'get' || command.op === 'getOrLoad') {
      const served = caches.filter((layer) => layer.name === op.served?.layer);
      if (served.length > 0) violations.push(...servedWithinGrace(op, command.key, op.results[0], served));
    } else if (command.op === 'getMany') {
      command.keys.forEach((key, i) => {
        const value = op.results![i];
        const cachesOnly = run.primary === undefined || value?.startsWith('L') === true;
        if (value !== undefined && cachesOnly) violations.push(...servedWithinGrace(op, key, value, caches));
      });
    }
  }
  return violations;
}

/** The violation when none of `layers` handed out `value` within ttl + grace of a landing of it. */
function servedWithinGrace(
  op: OpRecord,
  key: string,
  value: string | undefined,
  layers: ScheduledStore[],
): string[] {
  const ages: string[] = [];
  for (const layer of layers) {
    const same = (e: { key: string; value?: string }) => e.key === key && e.value === value;
    const read = layer.events.filter((e) => e.method === 'read' && same(e) && e.at < op.res).pop();
    if (read === undefined) continue;
    const landed = layer.events.filter((e) => e.method === 'set' && same(e) && e.at < read.at);
    const newest = Math.max(...landed.map((e) => e.wall!));
    if (read.wall! - newest < CACHE_TTL + CACHE_GRACE) return [];
    ages.push(`${layer.name} handed it out ${read.wall! - newest} ms after it landed`);
  }
  return [
    `grace bound: #${op.id} ${describeCommand(op.command)} [${op.inv}..${op.res}] returned ${String(value)} for ${key}, served past ttl + grace (${CACHE_TTL + CACHE_GRACE} ms): ${ages.join('; ') || 'no layer handed it out'}`,
  ];
}

/** The program and what happened, for a failure message. */
export function describeRun(run: Run): string {
  const lines = run.ops
    .slice()
    .sort((a, b) => a.inv - b.inv)
    .map(
      (op) =>
        `  #${op.id} ${describeCommand(op.command)} [${op.inv}..${op.res}] ${
          op.ok ? `ok ${op.written ?? (op.results ? show(op.results) : '')}` : `rejected ${String(op.error)}`
        }`,
    );
  const loads = run.loads.map(
    (l) =>
      `  load(${l.key}) trigger ${l.trigger} [${l.start}..${l.end ?? '?'}] ${l.ok ? String(l.value) : 'failed'}`,
  );
  const layers = run.layers.map(
    (layer) =>
      `  ${layer.name}${layer === run.primary ? ' (primary)' : ''}: ${JSON.stringify(Object.fromEntries(layer.data))} events ${layer.events
        .map((e) => `${e.at}:${e.method}(${e.key}${e.value ? `=${e.value}` : ''})`)
        .join(' ')}`,
  );
  return ['ops:', ...lines, 'loads:', ...loads, 'layers:', ...layers].join('\n');
}
