import { Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';

export type Outcome = 'ok' | 'error';
type EndTimer = (outcome: Outcome) => void;

/** Latency histograms, fed by TimingInterceptor: one for the store's operations, one for HTTP routes. */
@Injectable()
export class LatencyMetrics {
  readonly #store: Histogram<'operation' | 'outcome'>;
  readonly #http: Histogram<'route' | 'method' | 'outcome'>;

  constructor(registry: Registry) {
    this.#store = new Histogram({
      name: 'delegated_store_operation_duration_seconds',
      help: 'Duration of the user store operations (get, set, delete, getOrLoad, getMany), retries included',
      labelNames: ['operation', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    this.#http = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of the HTTP handlers, by controller method',
      labelNames: ['route', 'method', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  startStoreTimer(operation: string): EndTimer {
    const end = this.#store.startTimer({ operation });
    return (outcome) => end({ outcome });
  }

  /** `route` is `Controller.method`, not the URL, so that ids do not become label values. */
  startHttpTimer(route: string, method: string): EndTimer {
    const end = this.#http.startTimer({ route, method });
    return (outcome) => end({ outcome });
  }
}
