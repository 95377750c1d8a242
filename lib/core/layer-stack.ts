import { BackFiller } from './backfill.js';
import type { BackFillCallback } from './backfill-event.js';
import { FlightTable, type KeyFlight, type ReadTicket } from './key-flight.js';
import { LayerRuntime } from './layer-runtime.js';
import type { DelegatedStoreConfig, StoreErrorSource } from './options.js';
import type { Layer } from './store.js';

/** What every path of the store works on: the layers, what is in flight per key, and the backfiller. */
export class LayerStack<K, V> {
  readonly layers: LayerRuntime<K, V>[];
  readonly primary: LayerRuntime<K, V> | undefined;
  /** Layer 0 when its store can answer synchronously: a hit then costs no promise chain. */
  readonly syncLayer: LayerRuntime<K, V> | undefined;
  /** For each layer index, the layers above it: the targets of a backfill from there. */
  readonly above: LayerRuntime<K, V>[][];
  /** For each layer index, the cache layers above it: the targets of a backfill that must not write the primary. */
  readonly cachesAbove: LayerRuntime<K, V>[][];
  /** The non-primary layers: the targets of a load's write, and the walk of a `cachesOnly` read. */
  readonly caches: LayerRuntime<K, V>[];
  /** The layers another instance's write removes a key from. */
  readonly locals: LayerRuntime<K, V>[];
  readonly flights = new FlightTable<K, V>();
  readonly backFiller: BackFiller<K, V>;
  readonly reportError: (error: unknown, source: StoreErrorSource) => void;
  /** Ms a known miss is kept (withNegativeCaching); undefined: no known misses are written or honoured. */
  readonly negativeTtl: number | undefined;
  /** Ms a read that found a stale entry waits for its refresh (withStaleTimeout). */
  readonly staleTimeout: number;
  /** Whether some layer has grace or refreshAhead. */
  readonly hasFreshness: boolean;
  /** Loader calls made by getOrLoad and by the refreshes it started. */
  loads = 0;

  constructor(
    layers: Layer<K, V>[],
    config: Pick<
      DelegatedStoreConfig<K, V>,
      'maxPendingBackFills' | 'negativeTtl' | 'staleTimeout' | 'ttlJitter'
    > & { backFillCallbacks: BackFillCallback<K, V>[] },
    reportError: (error: unknown, source: StoreErrorSource) => void,
  ) {
    this.layers = layers.map((layer, index) => new LayerRuntime(layer, index, config.ttlJitter));
    this.primary = this.layers.find((layer) => layer.primary);
    this.negativeTtl = config.negativeTtl;
    this.staleTimeout = config.staleTimeout;
    this.hasFreshness = this.layers.some((layer) => layer.needsExpiry);
    const first = this.layers[0];
    const sync = first.needsExpiry
      ? typeof first.store.getSyncWithExpiry === 'function'
      : typeof first.store.getSync === 'function';
    this.syncLayer = sync && !first.primary ? first : undefined;
    this.above = this.layers.map((_layer, index) => this.layers.slice(0, index));
    this.cachesAbove = this.above.map((layers) => layers.filter((layer) => !layer.primary));
    this.caches = this.layers.filter((layer) => !layer.primary);
    this.locals = this.layers.filter((layer) => layer.local);
    this.reportError = reportError;
    this.backFiller = new BackFiller(config.backFillCallbacks, config.maxPendingBackFills, reportError);
  }

  /** A reader of the key is done (walked, loaded, backfilled): detach it and drop an idle flight. */
  endRead(reader: ReadTicket, flight: KeyFlight<V>, key: K): void {
    flight.detach(reader);
    this.flights.release(key, flight);
  }

  /** The layers a read walks: every layer, or the caches only. */
  walkedLayers(cachesOnly: boolean): LayerRuntime<K, V>[] {
    return cachesOnly ? this.caches : this.layers;
  }

  /** The layers a value found in layer `index` is written back into. */
  backFillTargets(index: number, cachesOnly: boolean): LayerRuntime<K, V>[] {
    return cachesOnly ? this.cachesAbove[index] : this.above[index];
  }

  /** A failed read of a layer: counted, and for a cache layer reported; a failing primary fails the read. */
  readFailed(layer: LayerRuntime<K, V>, error: unknown, operation: string): void {
    layer.errors++;
    if (layer.primary) throw error;
    this.reportError(error, { kind: 'layer', layerName: layer.name, operation });
  }

  get names(): string[] {
    return this.layers.map((layer) => layer.name);
  }
}
