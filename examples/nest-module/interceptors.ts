/**
 * Nest interceptors around the store's operations: a class built by Nest's DI (it injects a provider of
 * the store's `imports`) and an instance, outside the store's middlewares.
 */
import 'reflect-metadata';
import {
  Injectable,
  Module,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DELEGATED_STORE_CONTEXT_TYPE,
  DelegatedStore,
  DelegatedStoreModule,
  MemoryStore,
  retryMiddleware,
  type OperationContext,
} from 'nestjs-delegated-store';
import { finalize, timeout, type Observable } from 'rxjs';

@Injectable()
export class Metrics {
  readonly durations = new Map<string, number[]>();
  observe(label: string, ms: number): void {
    this.durations.set(label, [...(this.durations.get(label) ?? []), ms]);
  }
}

@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}

/** One interceptor for HTTP routes and store operations, told apart by the context's type. */
@Injectable()
export class TimingInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = performance.now();
    const label =
      context.getType<string>() === DELEGATED_STORE_CONTEXT_TYPE
        ? `store.${context.getArgByIndex<OperationContext>(2).operation}`
        : `http.${context.getHandler().name}`;
    return next.handle().pipe(finalize(() => this.metrics.observe(label, performance.now() - started)));
  }
}

/** An interceptor instance: bounds every operation. */
class TimeoutInterceptor implements NestInterceptor {
  constructor(private readonly ms: number) {}
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(timeout(this.ms));
  }
}

@Module({
  imports: [
    DelegatedStoreModule.forRoot<string, string>({
      layers: [{ name: 'memory', store: new MemoryStore(), ttl: 60_000 }],
      imports: [MetricsModule], // what TimingInterceptor injects
      interceptors: [TimingInterceptor, new TimeoutInterceptor(500)],
      middlewares: [retryMiddleware(2)],
    }),
  ],
})
export class AppModule {}

export async function interceptors() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  const store: DelegatedStore<string, string> = app.get(DelegatedStore);
  await store.set('greeting', 'hello'); // through TimingInterceptor, TimeoutInterceptor, the retries
  const greeting = await store.get('greeting');
  const labels = [...app.get(Metrics).durations.keys()]; // ['store.set', 'store.get']
  await app.close();
  return { greeting, labels };
}
