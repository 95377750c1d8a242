import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
// A value import: the store is injected by its class (emitDecoratorMetadata).
import { DelegatedStore, type LayerStats } from '../../../lib/index.js';

/**
 * The default store's own numbers: backfills by layer (from `backFill$`, as they happen) and the
 * per-layer hits, misses and errors of `stats()` (read on each scrape).
 */
@Injectable()
export class StoreMetrics implements OnModuleInit, OnModuleDestroy {
  #subscription: Subscription | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly store: DelegatedStore<string, unknown>,
  ) {}

  onModuleInit(): void {
    const backFills = new Counter({
      name: 'delegated_store_backfills_total',
      help: 'Values written back into a layer by a backfill or a load, by layer written',
      labelNames: ['layer', 'is_primary'],
      registers: [this.registry],
    });
    this.#subscription = this.store.backFill$.subscribe((event) =>
      backFills.inc({ layer: event.layerName, is_primary: String(event.isPrimary) }),
    );
    const store = this.store;
    const layerGauge = (name: string, help: string, read: (layer: LayerStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['layer'],
        registers: [this.registry],
        collect() {
          for (const layer of store.stats().layers) this.set({ layer: layer.name }, read(layer));
        },
      });
    layerGauge('delegated_store_hits', 'Reads answered by the layer since start', (l) => l.hits);
    layerGauge('delegated_store_misses', 'Reads the layer could not answer since start', (l) => l.misses);
    layerGauge('delegated_store_errors', 'Failed calls of the layer since start', (l) => l.errors);
    layerGauge(
      'delegated_store_stale_hits',
      'Reads served a stale entry of the layer (within grace)',
      (l) => l.staleHits,
    );
    layerGauge(
      'delegated_store_refreshes',
      "Background refreshes of the layer's stale entries",
      (l) => l.refreshes,
    );
    layerGauge(
      'delegated_store_refresh_failures',
      'Refreshes that failed (the stale entry stayed servable)',
      (l) => l.refreshFailures,
    );
    new Gauge({
      name: 'delegated_store_loads',
      help: 'Loader calls made by getOrLoad since start',
      registers: [this.registry],
      collect() {
        this.set(store.stats().loads);
      },
    });
  }

  onModuleDestroy(): void {
    this.#subscription?.unsubscribe();
  }
}
