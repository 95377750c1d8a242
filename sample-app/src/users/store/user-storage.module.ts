import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { UsersRepository } from '../users.repository.js';
import { UserBackFillMetrics } from './user-backfill-metrics.js';

/**
 * What the user store's factory injects. The store's module imports this one, so Nest closes the store
 * before the database connection (shutdown hooks run from the importing module to the imported ones).
 */
@Module({
  imports: [DatabaseModule, MetricsModule],
  providers: [UsersRepository, UserBackFillMetrics],
  exports: [UsersRepository, UserBackFillMetrics],
})
export class UserStorageModule {}
