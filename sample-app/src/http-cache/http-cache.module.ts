import { Module, type DynamicModule } from '@nestjs/common';
import { createHttpCacheStoreModule } from './http-cache-store.module.js';
import { createNestCacheModule } from './nest-cache.module.js';
import { ResponseCache } from './response-cache.js';

/**
 * Route caching, both ways, over one store: `DelegatedCacheInterceptor` (`GET /users`) and
 * `@nestjs/cache-manager`'s `CacheInterceptor` (`GET /users/stats`). Built per call, so that each
 * application instance gets its own store and bus.
 */
@Module({})
export class HttpCacheModule {
  static forRoot(): DynamicModule {
    return {
      module: HttpCacheModule,
      global: true,
      imports: [createHttpCacheStoreModule(), createNestCacheModule()],
      providers: [ResponseCache],
      exports: [ResponseCache],
    };
  }
}
