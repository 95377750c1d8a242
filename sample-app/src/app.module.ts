import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { AppConfigModule } from './config/app-config.module.js';
import type { AppConfig } from './config/app-config.js';
import { HttpCacheModule } from './http-cache/http-cache.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The application for one configuration. `main.ts` passes `AppConfig.fromEnv(process.env)`; tests pass
 * their own (a temporary SQLite file, a fresh PostgreSQL schema, a Redis prefix of their own).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule,
        HttpCacheModule.forRoot(),
        UsersModule.forRoot(),
      ],
      providers: [
        {
          provide: APP_PIPE,
          // whitelist + forbid: an unknown field is a 400 too; stopAtFirstError: one message per field.
          useFactory: () =>
            new ValidationPipe({
              transform: true,
              whitelist: true,
              forbidNonWhitelisted: true,
              stopAtFirstError: true,
            }),
        },
      ],
    };
  }
}
