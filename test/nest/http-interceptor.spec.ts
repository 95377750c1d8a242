import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Global,
  Injectable,
  Module,
  Param,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Observable } from 'rxjs';
import request from 'supertest';
// A value import: the controller's constructor is injected by the class (emitDecoratorMetadata).
import { DELEGATED_STORE_CONTEXT_TYPE, DelegatedStore, DelegatedStoreModule } from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

@Injectable()
class Metrics {
  readonly events: string[] = [];
}

@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
class MetricsModule {}

/** One interceptor for routes and for the store: it branches on the context type. */
@Injectable()
class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() === DELEGATED_STORE_CONTEXT_TYPE) {
      const [key, , ctx] = context.getArgs();
      this.metrics.events.push(`store ${ctx.operation} ${key}`);
    } else {
      const request = context.switchToHttp().getRequest<{ method: string; url: string }>();
      this.metrics.events.push(`http ${request.method} ${request.url}`);
    }
    return next.handle();
  }
}

@Controller('items')
@UseInterceptors(MetricsInterceptor)
class ItemsController {
  constructor(private readonly store: DelegatedStore<string, string>) {}

  @Get(':id')
  async find(@Param('id') id: string): Promise<{ id: string; value: string | null }> {
    return { id, value: (await this.store.get(id)) ?? null };
  }
}

describe('an interceptor shared by an HTTP route and a store', () => {
  it('runs around the route and around the store operation, over real HTTP', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetricsModule,
        DelegatedStoreModule.forRoot({
          layers: [{ store: new TestStore<string>({ a: 'A' }) }],
          interceptors: [MetricsInterceptor],
        }),
      ],
      controllers: [ItemsController],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.listen(0);
    try {
      const response = await request(app.getHttpServer()).get('/items/a').expect(200);
      expect(response.body).toEqual({ id: 'a', value: 'A' });
      expect(app.get(Metrics).events).toEqual(['http GET /items/a', 'store get a']);
    } finally {
      await app.close();
    }
  });
});
