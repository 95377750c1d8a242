import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { SqlDatabase } from './database/sql-database.js';

const logger = new Logger('SampleApp');

async function bootstrap(): Promise<void> {
  const config = AppConfig.fromEnv(process.env);
  const logLevels: LogLevel[] = config.debug
    ? ['fatal', 'error', 'warn', 'log', 'debug']
    : ['fatal', 'error', 'warn', 'log'];
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: logLevels });
  // SIGTERM / SIGINT: the store waits for its writes and backfills and closes Redis and the bus, then
  // the database connection closes.
  app.enableShutdownHooks();
  await app.listen(config.port);

  const url = `http://localhost:${config.port}`;
  const layers = config.redis
    ? 'memory → redis → database'
    : 'memory → database (set REDIS_URL to add Redis)';
  logger.log(`listening on ${url}; layers: ${layers}; data: ${app.get(SqlDatabase).description}`);
  logger.log(`try: curl -i ${url}/users/1     # x-cache-layer: database, then memory on the second call`);
  logger.log(
    `try: curl -i -X PUT ${url}/users/1 -H 'content-type: application/json' -d '{"name":"Ada King","email":"ada@example.com"}'`,
  );
  logger.log(`try: curl ${url}/metrics | grep delegated_store_     # backfills, hits and misses by layer`);
}

bootstrap().catch((error: unknown) => {
  logger.error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
