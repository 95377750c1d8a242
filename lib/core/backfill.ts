import { Subject, type Observable } from 'rxjs';
import type { BackFillCallback, BackFillEvent } from './backfill-event.js';
import { ContainedObservable } from './contained-observable.js';
import type { ReadTicket } from './key-flight.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { OperationContext } from './operation.js';
import type { StoreErrorSource } from './options.js';

/** One key's value to write back, and the read it came from (a write of the key makes it stale). */
export interface BackFillEntry<K, V> {
  key: K;
  value: V;
  /** Epoch ms until which the source's entry is fresh: no copy is fresh longer. Undefined: no bound. */
  freshUntil: number | undefined;
  ticket: ReadTicket;
}

/**
 * Values found in one layer (or loaded) to write back into some layers, and who to tell once each write
 * succeeded. A getMany writes the keys it found in one layer as one job: one `setMany` per target layer.
 */
export interface BackFillJob<K, V> {
  ctx: OperationContext;
  entries: BackFillEntry<K, V>[];
  /** The layers to write, in this order (fastest first). */
  targets: LayerRuntime<K, V>[];
  /** Where the values were found; `layers.length` for a loader. */
  sourceLayerIndex: number;
  /** Replaces each target's ttl (a load with `options.ttl`); for a known miss, its ttl. */
  ttl: number | undefined;
  /**
   * The values are known-miss markers (withNegativeCaching): written without grace, and reported to no
   * callback, event or counter, since they are not values.
   */
  knownMiss?: boolean;
}

/**
 * Writes found values back into the faster layers and reports each write to the callbacks and on
 * `backFill$`: an in-process layer (whose store has `setSync`) at once, the others in the background.
 * Stops as soon as a write of the key made the job stale.
 */
export class BackFiller<K, V> {
  readonly callbacks: BackFillCallback<K, V>[];
  readonly #subject = new Subject<BackFillEvent<K, V>>();
  /** The events; a subscriber that throws is reported, never an uncaught exception. */
  readonly events$: Observable<BackFillEvent<K, V>>;
  readonly #pending = new Set<Promise<void>>();
  readonly #maxPending: number;
  readonly #reportError: (error: unknown, source: StoreErrorSource) => void;
  dropped = 0;

  constructor(
    callbacks: BackFillCallback<K, V>[],
    maxPending: number,
    reportError: (error: unknown, source: StoreErrorSource) => void,
  ) {
    this.callbacks = callbacks;
    this.#maxPending = maxPending;
    this.#reportError = reportError;
    const subject = this.#subject;
    this.events$ = new ContainedObservable<BackFillEvent<K, V>>(
      (error) => reportError(error, { kind: 'subscriber' }),
      (subscriber) => subject.subscribe(subscriber),
    );
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Writes the job's values back. The leading targets that are written synchronously (an in-process
   * layer: `LayerRuntime.writesSync`) are written at once, before this returns; the rest is a job in the
   * background, in target order. `onSettled` runs when everything is done (at once when nothing was left
   * for the background), whatever happened.
   */
  schedule(job: BackFillJob<K, V>, onSettled: () => void): void {
    const start = job.targets.length > 0 && job.targets[0].writesSync ? this.#writeSync(job) : 0;
    if (start < 0 || start === job.targets.length) {
      onSettled();
      return;
    }
    this.#start(job, start, onSettled);
  }

  /**
   * One key's backfill (a get's walk): as `schedule`, with no job object unless some target is left for
   * the background.
   */
  scheduleOne(
    ctx: OperationContext,
    entry: BackFillEntry<K, V>,
    targets: LayerRuntime<K, V>[],
    sourceLayerIndex: number,
    ttl: number | undefined,
    knownMiss: boolean,
    onSettled: () => void,
  ): void {
    let start = 0;
    for (; start < targets.length && targets[start].writesSync; start++) {
      if (!this.#setSync(ctx, entry, targets[start], sourceLayerIndex, ttl, knownMiss)) {
        onSettled();
        return;
      }
    }
    if (start === targets.length) {
      onSettled();
      return;
    }
    this.#start({ ctx, entries: [entry], targets, sourceLayerIndex, ttl, knownMiss }, start, onSettled);
  }

  /** Runs the job from target `start` on, in the background (or drops it past the bound). */
  #start(job: BackFillJob<K, V>, start: number, onSettled: () => void): void {
    if (this.#pending.size >= this.#maxPending) {
      this.dropped++;
      onSettled();
      return;
    }
    const run = this.#run(job, start).finally(() => {
      this.#pending.delete(run);
      onSettled();
    });
    this.#pending.add(run);
  }

  /**
   * One key into an in-process layer, at once: unless a write made the read stale (dropped) or the copy
   * would be born expired. False: nothing more is written (here or in a later layer). A failed write is
   * reported, and the later layers are still written.
   */
  #setSync(
    ctx: OperationContext,
    entry: BackFillEntry<K, V>,
    layer: LayerRuntime<K, V>,
    sourceLayerIndex: number,
    jobTtl: number | undefined,
    knownMiss: boolean,
  ): boolean {
    if (entry.ticket.stale) {
      this.dropped++;
      return false;
    }
    const ttl = knownMiss
      ? layer.writeTtl(jobTtl, entry.freshUntil, false)
      : layer.writeTtl(jobTtl ?? layer.ttl, entry.freshUntil);
    if (ttl !== undefined && ttl <= 0) return false;
    try {
      layer.setSync(entry.key, entry.value, ttl);
    } catch (error) {
      layer.errors++;
      this.#reportError(error, { kind: 'backfill', layerName: layer.name, operation: ctx.operation });
      return true;
    }
    if (!knownMiss) {
      layer.backFills++;
      this.#report(ctx, entry, layer, sourceLayerIndex);
    }
    return true;
  }

  /**
   * The job's leading in-process targets, written at once, entry by entry (a callback that writes a key
   * makes its entry stale before its turn). Returns the index of the first target left for the
   * background, or -1 when no entry is left to write; `job.entries` keeps the entries still to write.
   */
  #writeSync(job: BackFillJob<K, V>): number {
    const { ctx, targets, sourceLayerIndex, ttl, knownMiss = false } = job;
    if (job.entries.length === 1) {
      const entry = job.entries[0];
      let i = 0;
      for (; i < targets.length && targets[i].writesSync; i++) {
        if (!this.#setSync(ctx, entry, targets[i], sourceLayerIndex, ttl, knownMiss)) return -1;
      }
      return i;
    }
    let entries = job.entries;
    let i = 0;
    for (; i < targets.length && targets[i].writesSync; i++) {
      const layer = targets[i];
      // The entries still to write after this layer: made on the first one dropped.
      let kept: BackFillEntry<K, V>[] | undefined;
      for (let n = 0; n < entries.length; n++) {
        const entry = entries[n];
        if (!this.#setSync(ctx, entry, layer, sourceLayerIndex, ttl, knownMiss)) {
          kept ??= entries.slice(0, n);
          continue;
        }
        kept?.push(entry);
      }
      if (kept !== undefined) entries = kept;
      if (entries.length === 0) return -1;
    }
    job.entries = entries;
    return i;
  }

  /** Resolves when every job scheduled before the call has settled. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) {
      await Promise.allSettled([...this.#pending]);
    }
  }

  complete(): void {
    this.#subject.complete();
  }

  /** The job's writes from target `start` on, each layer once the one before it settled. */
  async #run(job: BackFillJob<K, V>, start: number): Promise<void> {
    if (job.entries.length === 1) return this.#runOne(job, job.entries[0], start);
    let entries = job.entries;
    for (let t = start; t < job.targets.length; t++) {
      const layer = job.targets[t];
      entries = this.#live(entries);
      if (entries.length === 0) return;
      let writes = entries.map((entry) => ({
        key: entry.key,
        value: entry.value,
        ttl: writeTtl(job, layer, entry),
      }));
      if (writes.some(expired)) {
        // A source entry expired meanwhile: its copy would be born dead, here and in every later layer.
        entries = entries.filter((_entry, i) => !expired(writes[i]));
        writes = writes.filter((write) => !expired(write));
        if (entries.length === 0) return;
      }
      const written = await this.#write(layer, entries, writes, job.ctx);
      if (job.knownMiss) continue;
      for (let i = 0; i < entries.length; i++) {
        if (written[i]) {
          layer.backFills++;
          this.#report(job.ctx, entries[i], layer, job.sourceLayerIndex);
        }
      }
    }
  }

  /** The job of a single key (a get's walk, a load): the same steps without the batch's arrays. */
  async #runOne(job: BackFillJob<K, V>, entry: BackFillEntry<K, V>, start: number): Promise<void> {
    const { key, value, ticket } = entry;
    for (let t = start; t < job.targets.length; t++) {
      const layer = job.targets[t];
      if (ticket.stale) {
        this.dropped++;
        return;
      }
      const ttl = writeTtl(job, layer, entry);
      if (ttl !== undefined && ttl <= 0) return;
      const write = layer.set(key, value, ttl);
      ticket.pendingWrite = write;
      try {
        await write;
      } catch (error) {
        layer.errors++;
        this.#reportError(error, { kind: 'backfill', layerName: layer.name, operation: job.ctx.operation });
        continue;
      } finally {
        ticket.pendingWrite = undefined;
      }
      if (job.knownMiss) continue;
      layer.backFills++;
      this.#report(job.ctx, entry, layer, job.sourceLayerIndex);
    }
  }

  /** The entries no write made stale; the others are dropped (and counted). */
  #live(entries: BackFillEntry<K, V>[]): BackFillEntry<K, V>[] {
    if (!entries.some((entry) => entry.ticket.stale)) return entries;
    const live = entries.filter((entry) => !entry.ticket.stale);
    this.dropped += entries.length - live.length;
    return live;
  }

  /** Writes the entries into one layer: one setMany when it has one, else one set each. */
  async #write(
    layer: LayerRuntime<K, V>,
    entries: BackFillEntry<K, V>[],
    writes: Array<{ key: K; value: V; ttl: number | undefined }>,
    ctx: OperationContext,
  ): Promise<boolean[]> {
    const failed = (error: unknown) => {
      layer.errors++;
      this.#reportError(error, { kind: 'backfill', layerName: layer.name, operation: ctx.operation });
    };
    if (entries.length > 1 && layer.store.setMany) {
      const write = layer.setMany(writes);
      for (const entry of entries) entry.ticket.pendingWrite = write;
      try {
        await write;
        return entries.map(() => true);
      } catch (error) {
        failed(error);
        return entries.map(() => false);
      } finally {
        for (const entry of entries) entry.ticket.pendingWrite = undefined;
      }
    }
    const outcomes = await Promise.allSettled(
      writes.map((write, i) => {
        const promise = layer.set(write.key, write.value, write.ttl);
        entries[i].ticket.pendingWrite = promise;
        return promise;
      }),
    );
    return outcomes.map((outcome, i) => {
      entries[i].ticket.pendingWrite = undefined;
      if (outcome.status === 'fulfilled') return true;
      failed(outcome.reason);
      return false;
    });
  }

  #report(
    ctx: OperationContext,
    entry: BackFillEntry<K, V>,
    layer: LayerRuntime<K, V>,
    source: number,
  ): void {
    const { key, value } = entry;
    for (const callback of this.callbacks) {
      try {
        const result = callback(ctx, key, value, layer.index, layer.primary);
        if (result && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).then(undefined, (error: unknown) =>
            this.#reportError(error, {
              kind: 'callback',
              callback: 'backFill',
              layerName: layer.name,
              operation: ctx.operation,
            }),
          );
        }
      } catch (error) {
        this.#reportError(error, {
          kind: 'callback',
          callback: 'backFill',
          layerName: layer.name,
          operation: ctx.operation,
        });
      }
    }
    if (this.#subject.observed) {
      this.#subject.next({
        key,
        value,
        layerIndex: layer.index,
        layerName: layer.name,
        isPrimary: layer.primary,
        sourceLayerIndex: source,
      });
    }
  }
}

const expired = (write: { ttl: number | undefined }) => write.ttl !== undefined && write.ttl <= 0;

/**
 * The ttl of a copy in `layer`: the job's ttl or the layer's, cut to what the source entry has left
 * fresh, plus the layer's grace. A known miss keeps the ttl it was given, without grace.
 */
function writeTtl<K, V>(job: BackFillJob<K, V>, layer: LayerRuntime<K, V>, entry: BackFillEntry<K, V>) {
  if (job.knownMiss) return layer.writeTtl(job.ttl, entry.freshUntil, false);
  return layer.writeTtl(job.ttl ?? layer.ttl, entry.freshUntil);
}
