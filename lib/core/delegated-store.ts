import type { Observable } from 'rxjs';
import type { BackFillCallback, BackFillEvent } from './backfill-event.js';
import { BatchRead } from './batch-read.js';
import { ConfigurationError, StoreClosedError } from './errors.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { LayerRuntime } from './layer-runtime.js';
import { validateLayers } from './layer-runtime.js';
import { LayerStack } from './layer-stack.js';
import type { Middleware, OperationContext, OperationFunc, OperationOptions } from './operation.js';
import { OpContext, type InternalFields } from './operation-context.js';
import type { DelegatedStoreConfig, DelegatedStoreOption, StoreErrorSource } from './options.js';
import { ReadPath, type Loader } from './read-path.js';
import type { StoreStats } from './stats.js';
import type { Layer } from './store.js';
import { WritePath } from './write-path.js';

const DEFAULT_MAX_PENDING_BACKFILLS = 10_000;

/**
 * Several storage layers behind one store. A read walks the layers from the fastest to the slowest and
 * writes a value found low down back into every faster layer, in the background (the backfill). A write
 * goes to the primary layer first, then to the others. Every operation passes through the middleware chain.
 */
export class DelegatedStore<K, V> {
  readonly #stack: LayerStack<K, V>;
  readonly #reader: ReadPath<K, V>;
  readonly #batchReader: BatchRead<K, V>;
  readonly #writer: WritePath<K, V>;
  /** Layer 0 when it answers synchronously, while the store has no middleware and is open: `get` reads it directly. */
  #hotLayer: LayerRuntime<K, V> | undefined;
  readonly #middlewares: Middleware<K, V>[];
  #chain: OperationFunc<K, V>;
  readonly #errorHandlers: DelegatedStoreConfig<K, V>['errorHandlers'];
  readonly #bus: InvalidationBus | undefined;
  /** Writes in progress, which close() waits for; `#writesIdle` is close() waiting. */
  #writesInFlight = 0;
  #writesIdle: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  /** One event per layer written by a backfill or a load, after the write succeeded. */
  readonly backFill$: Observable<BackFillEvent<K, V>>;

  constructor(layers: Layer<K, V>[], ...options: DelegatedStoreOption<K, V>[]) {
    validateLayers<K, V>(layers);
    const config: DelegatedStoreConfig<K, V> = {
      backFillCallbacks: [],
      middlewares: [],
      errorHandlers: [],
      maxPendingBackFills: DEFAULT_MAX_PENDING_BACKFILLS,
    };
    options.forEach((option, index) => {
      if (typeof option !== 'function') {
        throw new ConfigurationError(
          `option ${index} must be a function such as withMiddleware(...), got ${option === null ? 'null' : typeof option}`,
        );
      }
      option(config);
    });
    this.#errorHandlers = config.errorHandlers;
    this.#stack = new LayerStack(
      layers,
      config.backFillCallbacks,
      config.maxPendingBackFills,
      this.#reportError,
    );
    this.#reader = new ReadPath(this.#stack);
    this.#batchReader = new BatchRead(this.#stack);
    this.#writer = new WritePath(this.#stack);
    this.backFill$ = this.#stack.backFiller.events$;
    this.#middlewares = [...config.middlewares];
    this.#chain = this.#compose();
    this.#bus = config.bus;
    if (this.#bus) this.#subscribeToBus(this.#bus);
  }

  // ── Public operations: check the input, build the context, enter the chain ──────────────────────────

  get(key: K, options?: OperationOptions): Promise<V | undefined> {
    const hot = this.#hotLayer;
    if (hot !== undefined && options === undefined && key !== undefined && key !== null) {
      // The hot path (no middleware, no options, layer 0 synchronous): a hit costs one lookup and a promise.
      let value: V | undefined;
      try {
        value = hot.store.getSync!(key);
      } catch {
        return this.#reader.get(undefined, key);
      }
      if (value !== undefined) {
        hot.hits++;
        return Promise.resolve(value);
      }
      return this.#reader.walk(undefined, key, undefined);
    }
    const invalid = this.#checkKey(key, 'get') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    if (options === undefined && this.#middlewares.length === 0) return this.#reader.get(undefined, key);
    return this.#enter(this.#context('get', options), key, undefined);
  }

  async set(key: K, value: V, options?: OperationOptions): Promise<void> {
    const invalid =
      this.#checkKey(key, 'set') ??
      (value === undefined
        ? Promise.reject(new TypeError('set: value must not be undefined (use delete)'))
        : undefined) ??
      this.#checkOptions(options);
    if (invalid) return invalid as Promise<never>;
    await this.#enter(this.#context('set', options), key, value);
  }

  async delete(key: K, options?: OperationOptions): Promise<void> {
    const invalid = this.#checkKey(key, 'delete') ?? this.#checkOptions(options);
    if (invalid) return invalid as Promise<never>;
    await this.#enter(this.#context('delete', options), key, undefined);
  }

  getOrLoad(key: K, loader: Loader<K, V>, options?: OperationOptions): Promise<V | undefined> {
    const invalid =
      this.#checkKey(key, 'getOrLoad') ??
      (typeof loader !== 'function'
        ? Promise.reject(new TypeError('getOrLoad: loader must be a function (key) => Promise<value>'))
        : undefined) ??
      this.#checkOptions(options);
    if (invalid) return invalid;
    return this.#enter(this.#context('getOrLoad', options, loader), key, undefined);
  }

  getMany(keys: readonly K[], options?: OperationOptions): Promise<Array<V | undefined>> {
    if (!Array.isArray(keys)) return Promise.reject(new TypeError('getMany: keys must be an array'));
    for (const key of keys) {
      const invalid = this.#checkKey(key, 'getMany');
      if (invalid) return invalid as Promise<never>;
    }
    const invalid = this.#checkOptions(options);
    if (invalid) return invalid as Promise<never>;
    const run = this.#enter(this.#context('getMany', options), keys as unknown as K, undefined);
    return run as unknown as Promise<Array<V | undefined>>;
  }

  // ── Configuration at run time ─────────────────────────────────────────────────────────────────────────

  /** Appends a callback, called after each successful backfill or load write. */
  onBackFill(callback: BackFillCallback<K, V>): void {
    if (typeof callback !== 'function')
      throw new ConfigurationError('onBackFill: the callback must be a function');
    this.#stack.backFiller.callbacks.push(callback);
  }

  /** Removes every callback, those given as options too. */
  clearBackFillCallbacks(): void {
    this.#stack.backFiller.callbacks.length = 0;
  }

  /** Adds middlewares; the last one added runs first. The chain is composed here, not per operation. */
  use(...middlewares: Middleware<K, V>[]): void {
    middlewares.forEach((middleware, index) => {
      if (typeof middleware !== 'function') {
        throw new ConfigurationError(`use: middleware ${index} must be a function, got ${typeof middleware}`);
      }
    });
    const previous = this.#middlewares.length;
    this.#middlewares.push(...middlewares);
    try {
      this.#chain = this.#compose();
    } catch (error) {
      this.#middlewares.length = previous;
      throw error;
    }
  }

  stats(): StoreStats {
    return {
      layers: this.#stack.layers.map((layer) => layer.stats()),
      loads: this.#reader.loads,
    };
  }

  /**
   * Backfills (and load writes) dropped since construction: because a write of the same key overlapped
   * them, or because `withMaxPendingBackFills` was reached. Kept out of `stats()`, whose shape is fixed.
   */
  get droppedBackFills(): number {
    return this.#stack.backFiller.dropped;
  }

  /** Resolves when every backfill scheduled before the call has settled. */
  drain(): Promise<void> {
    return this.#stack.backFiller.drain();
  }

  /** Drains, closes the bus and every layer store that has close(), completes backFill$. Idempotent. */
  close(): Promise<void> {
    this.#hotLayer = undefined;
    this.#closing ??= this.#close();
    return this.#closing;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The layers' names, in order. */
  get layerNames(): string[] {
    return this.#stack.names;
  }

  // ── The chain ─────────────────────────────────────────────────────────────────────────────────────────

  #compose(): OperationFunc<K, V> {
    let chain: OperationFunc<K, V> = this.#dispatch;
    for (const middleware of this.#middlewares) {
      chain = middleware(chain);
      if (typeof chain !== 'function') {
        throw new ConfigurationError('a middleware must return a function (ctx, key, value) => Promise');
      }
    }
    this.#hotLayer = this.#middlewares.length === 0 && !this.#closing ? this.#stack.syncLayer : undefined;
    return chain;
  }

  /** Enters the chain; a middleware that throws synchronously rejects the call instead of throwing. */
  #enter(ctx: OperationContext, key: K, value: V | undefined): Promise<V | undefined> {
    try {
      return this.#chain(ctx, key, value);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The bottom of the chain: the operation itself. */
  readonly #dispatch: OperationFunc<K, V> = (ctx, key, value) => {
    if (this.#closing) return Promise.reject(new StoreClosedError());
    const internal = ctx as OperationContext & InternalFields<K, V>;
    switch (ctx.operation) {
      case 'get':
        return this.#reader.get(ctx, key, internal.onServed);
      case 'getOrLoad':
        if (typeof internal.loader !== 'function') {
          return Promise.reject(
            new TypeError(
              'getOrLoad: the context that reached the store has no loader; pass ctx (or { ...ctx }) to next',
            ),
          );
        }
        return this.#reader.getOrLoad(ctx, key, internal.loader, internal.ttl, internal.onServed);
      case 'set':
        return this.#write(ctx, key, value, internal.ttl).then(() => value);
      case 'delete':
        return this.#write(ctx, key, undefined, undefined).then(() => undefined);
      case 'getMany':
        return this.#batchReader.getMany(ctx, key as unknown as readonly K[]) as unknown as Promise<
          V | undefined
        >;
      default:
        return Promise.reject(new TypeError(`unknown operation "${String(ctx.operation)}"`));
    }
  };

  #context(operation: OperationContext['operation'], options?: OperationOptions, loader?: Loader<K, V>) {
    return new OpContext<K, V>(
      operation,
      options?.signal,
      options?.metadata ?? {},
      options?.ttl,
      loader,
      options?.onServed,
    );
  }

  #checkKey(key: K, operation: string): Promise<never> | undefined {
    if (key === undefined || key === null) {
      return Promise.reject(new TypeError(`${operation}: key must not be ${String(key)}`));
    }
    if (this.#closing) return Promise.reject(new StoreClosedError());
    return undefined;
  }

  #checkOptions(options: OperationOptions | undefined): Promise<never> | undefined {
    if (options === undefined) return undefined;
    if (options === null || typeof options !== 'object') {
      return Promise.reject(new TypeError('options must be an object { signal?, metadata?, ttl? }'));
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (
      options.ttl !== undefined &&
      !(typeof options.ttl === 'number' && Number.isFinite(options.ttl) && options.ttl > 0)
    ) {
      return Promise.reject(
        new TypeError(`options.ttl must be a finite number of milliseconds > 0, got ${String(options.ttl)}`),
      );
    }
    return undefined;
  }

  // ── Writing, and other instances ────────────────────────────────────────────────────────────────────

  /** A set or a delete, counted until it settles (close() waits for it), then published on the bus. */
  #write(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined): Promise<void> {
    this.#writesInFlight++;
    return this.#writer.write(ctx, key, value, ttl).then(
      () => {
        this.#writeSettled();
        this.#publish(key);
      },
      (error: unknown) => {
        this.#writeSettled();
        throw error;
      },
    );
  }

  #writeSettled(): void {
    if (--this.#writesInFlight === 0 && this.#writesIdle !== undefined) {
      const idle = this.#writesIdle;
      this.#writesIdle = undefined;
      idle();
    }
  }

  #publish(key: K): void {
    if (this.#bus === undefined) return;
    this.#bus.publish([String(key)]).catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
  }

  #subscribeToBus(bus: InvalidationBus): void {
    const onKeys = (keys: string[]) => {
      if (this.#closing) return;
      for (const key of keys) void this.#writer.invalidateLocal(key as unknown as K);
    };
    bus.subscribe(onKeys).catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
  }

  // ── Lifecycle and reporting ───────────────────────────────────────────────────────────────────────────

  async #close(): Promise<void> {
    if (this.#writesInFlight > 0) await new Promise<void>((resolve) => (this.#writesIdle = resolve));
    await this.#stack.backFiller.drain();
    if (this.#bus)
      await this.#bus.close().catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
    const layers = this.#stack.layers;
    const outcomes = await Promise.allSettled(layers.map((layer) => layer.close()));
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        this.#reportError(outcome.reason, {
          kind: 'layer',
          layerName: layers[index].name,
          operation: 'close',
        });
      }
    });
    this.#stack.backFiller.complete();
  }

  readonly #reportError = (error: unknown, source: StoreErrorSource): void => {
    for (const handler of this.#errorHandlers) {
      try {
        handler(error, source);
      } catch {
        // An error handler that throws must not turn a contained failure into a crash.
      }
    }
  };
}
