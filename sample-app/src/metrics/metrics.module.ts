import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { LatencyMetrics } from './latency-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { TimingInterceptor } from './timing.interceptor.js';

/**
 * One prom-client Registry per application instance, injected by its class: two instances in one
 * process (tests) never register a metric twice, and `/metrics` shows this instance's only.
 */
@Module({
  controllers: [MetricsController],
  providers: [{ provide: Registry, useFactory: () => new Registry() }, LatencyMetrics, TimingInterceptor],
  exports: [Registry, LatencyMetrics, TimingInterceptor],
})
export class MetricsModule {}
