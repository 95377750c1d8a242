import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PostgresDatabase } from './postgres-database.js';
import { SqlDatabase } from './sql-database.js';
import { SqliteDatabase } from './sqlite-database.js';

/** The SQL connection of this application instance: PostgreSQL with DATABASE_URL, else a SQLite file. */
@Module({
  providers: [
    {
      provide: SqlDatabase,
      useFactory: (config: AppConfig): Promise<SqlDatabase> | SqlDatabase =>
        config.database.kind === 'postgres'
          ? PostgresDatabase.connect(config.database.url, config.database.schema)
          : new SqliteDatabase(config.database.file),
      inject: [AppConfig],
    },
  ],
  exports: [SqlDatabase],
})
export class DatabaseModule {}
