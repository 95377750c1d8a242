import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { DELEGATED_STORE_CONTEXT_TYPE, type OperationContext } from '../../../lib/index.js';
import { LatencyMetrics, type Outcome } from './latency-metrics.js';

/**
 * Times whatever it wraps. One class serves two places: the HTTP routes (`@UseInterceptors`) and the
 * user store's operations (the module's `interceptors` option); it tells them apart by the context type.
 */
@Injectable()
export class TimingInterceptor implements NestInterceptor {
  constructor(private readonly latency: LatencyMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const end =
      context.getType<string>() === DELEGATED_STORE_CONTEXT_TYPE
        ? this.latency.startStoreTimer(context.getArgByIndex<OperationContext>(2).operation)
        : this.latency.startHttpTimer(
            `${context.getClass().name}.${context.getHandler().name}`,
            context.switchToHttp().getRequest<{ method: string }>().method,
          );
    const once = (outcome: Outcome) => () => end(outcome);
    // next.handle() is cold: the timer covers this subscription, retries of the inner chain included.
    return next.handle().pipe(tap({ complete: once('ok'), error: once('error') }));
  }
}
