import { Subject, type Observable } from 'rxjs';
import type { BackFillCallback, BackFillEvent } from './backfill-event.js';
import type { ReadTicket } from './key-flight.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { OperationContext } from './operation.js';
import type { StoreErrorSource } from './options.js';

/** One value to write back into some layers, and who to tell once each write succeeded. */
export interface BackFillJob<K, V> {
  ctx: OperationContext;
  key: K;
  value: V;
  /** The layers to write, in this order (fastest first). */
  targets: LayerRuntime<K, V>[];
  /** Where the value was found; `layers.length` for a loader. */
  sourceLayerIndex: number;
  /** Epoch ms when the source's entry expires: no copy may outlive it. */
  expiresAt: number | undefined;
  /** Replaces each target's ttl (a load with `options.ttl`). */
  ttl: number | undefined;
  ticket: ReadTicket;
}

/**
 * Writes found values back into the faster layers, in the background, and reports each write to the
 * callbacks and on `backFill$`. Stops as soon as a write of the key made the job stale.
 */
export class BackFiller<K, V> {
  readonly callbacks: BackFillCallback<K, V>[];
  readonly #subject = new Subject<BackFillEvent<K, V>>();
  readonly events$: Observable<BackFillEvent<K, V>> = this.#subject.asObservable();
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
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Starts the job in the background; `onSettled` runs when it is done, whatever happened. */
  schedule(job: BackFillJob<K, V>, onSettled: () => void): void {
    if (this.#pending.size >= this.#maxPending) {
      this.dropped++;
      onSettled();
      return;
    }
    const run = this.#run(job).finally(() => {
      this.#pending.delete(run);
      onSettled();
    });
    this.#pending.add(run);
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

  async #run(job: BackFillJob<K, V>): Promise<void> {
    const { key, value, ticket } = job;
    for (const layer of job.targets) {
      if (ticket.stale) {
        this.dropped++;
        return;
      }
      const ttl = copyTtl(job.ttl ?? layer.ttl, job.expiresAt);
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
      layer.backFills++;
      this.#report(job, layer);
    }
  }

  #report(job: BackFillJob<K, V>, layer: LayerRuntime<K, V>): void {
    const { ctx, key, value } = job;
    for (const callback of this.callbacks) {
      try {
        const result = callback(ctx, key, value, layer.index, layer.primary);
        if (result && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).then(undefined, (error: unknown) =>
            this.#reportError(error, { kind: 'callback', layerName: layer.name, operation: ctx.operation }),
          );
        }
      } catch (error) {
        this.#reportError(error, { kind: 'callback', layerName: layer.name, operation: ctx.operation });
      }
    }
    if (this.#subject.observed) {
      this.#subject.next({
        key,
        value,
        layerIndex: layer.index,
        layerName: layer.name,
        isPrimary: layer.primary,
        sourceLayerIndex: job.sourceLayerIndex,
      });
    }
  }
}

/** The ttl of a copy: the layer's ttl, cut to what the source entry has left. */
function copyTtl(ttl: number | undefined, expiresAt: number | undefined): number | undefined {
  if (expiresAt === undefined) return ttl;
  const left = Math.floor(expiresAt - Date.now());
  return ttl === undefined ? left : Math.min(ttl, left);
}
