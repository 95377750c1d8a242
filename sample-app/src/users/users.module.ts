import { Module, type DynamicModule } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { StoreMetrics } from '../metrics/store-metrics.js';
import { createUserStoreModule } from './store/user-store.module.js';
import { UserPreheater } from './store/user-preheater.js';
import { UserStorageModule } from './store/user-storage.module.js';
import { CacheAdminController } from '../cache-admin/cache-admin.controller.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/** The users feature: routes, service, and the user store with its preheat callback and metrics. */
@Module({})
export class UsersModule {
  static forRoot(): DynamicModule {
    return {
      module: UsersModule,
      imports: [createUserStoreModule(), UserStorageModule, MetricsModule],
      controllers: [UsersController, CacheAdminController],
      providers: [UsersService, UserPreheater, StoreMetrics],
    };
  }
}
