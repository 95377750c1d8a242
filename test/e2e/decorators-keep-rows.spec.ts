/**
 * Issue 11, point 1, as a new user met it: the default store is memory → a PostgreSQL table (primary);
 * `@DelegatedCached({ key: id => user:${id} })` on findOne and `@DelegatedEvict` with the same key on
 * update. Before API.md §3's rule of 2026-12-02, `PUT /users/1` ran `DELETE FROM users WHERE id = 1`.
 * Now the decorators touch the cache layers only: the row survives, over real HTTP and a real table.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Put,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { DelegatedCached, DelegatedEvict, DelegatedStoreModule, MemoryStore } from '../../lib/index.js';
import { PostgresDatabase } from '../../sample-app/src/database/postgres-database.js';
import { SqlDatabase } from '../../sample-app/src/database/sql-database.js';
import { userKey } from '../../sample-app/src/users/user-keys.js';
import type { User } from '../../sample-app/src/users/user.js';
import { UsersRepository } from '../../sample-app/src/users/users.repository.js';
import { DATABASE_URL, describeWithPostgres } from '../support/services.js';

@Injectable()
class UsersService {
  constructor(private readonly repository: UsersRepository) {}

  @DelegatedCached({ key: (id) => userKey(id) })
  async findOne(id: string): Promise<User | null> {
    return (await this.repository.get(userKey(id))) ?? null;
  }

  @DelegatedEvict({ key: (id) => userKey(id) })
  async update(id: string, name: string): Promise<User> {
    const current = await this.repository.get(userKey(id));
    if (current === undefined) throw new NotFoundException(`user ${id} not found`);
    const user = { ...current, name, updatedAt: new Date().toISOString() };
    await this.repository.set(userKey(id), user);
    return user;
  }
}

@Controller('users')
class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<User> {
    const user = await this.users.findOne(id);
    if (user === null) throw new NotFoundException(`user ${id} not found`);
    return user;
  }

  @Put(':id')
  update(@Param('id') id: string, @Body() body: { name: string }): Promise<User> {
    return this.users.update(id, body.name);
  }
}

describeWithPostgres('decorators over a store whose primary is a SQL table (PostgreSQL)', () => {
  const schema = `decorators_keep_rows_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let app: INestApplication;
  let rows: pg.Pool;

  beforeAll(async () => {
    @Module({
      providers: [
        { provide: SqlDatabase, useFactory: () => PostgresDatabase.connect(DATABASE_URL, schema) },
        UsersRepository,
      ],
      exports: [UsersRepository],
    })
    class StorageModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule,
        DelegatedStoreModule.forRootAsync<string, unknown>({
          imports: [StorageModule],
          inject: [UsersRepository],
          useFactory: (repository: UsersRepository) => ({
            layers: [
              { name: 'memory', store: new MemoryStore<string, unknown>(), ttl: 600_000 },
              { name: 'database', store: repository, primary: true },
            ],
          }),
        }),
      ],
      controllers: [UsersController],
      providers: [UsersService],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    rows = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 1 });
  });

  afterAll(async () => {
    await app?.close();
    await rows?.end();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('PUT evicts the cached user and keeps the row; the next GET reads the new name', async () => {
    const first = await request(app.getHttpServer()).get('/users/1').expect(200);
    expect(first.body.name).toBe('Ada Lovelace');

    await request(app.getHttpServer()).put('/users/1').send({ name: 'Ada King' }).expect(200);
    const stored = await rows.query('SELECT id, name FROM users WHERE id = $1', ['1']);
    expect(stored.rows).toEqual([{ id: '1', name: 'Ada King' }]);

    const second = await request(app.getHttpServer()).get('/users/1').expect(200);
    expect(second.body.name).toBe('Ada King');
  });

  it('a missing user is a 404 that is cached in memory only; every row of the table survives', async () => {
    await request(app.getHttpServer()).get('/users/999').expect(404);
    await request(app.getHttpServer()).put('/users/2').send({ name: 'Alan M. Turing' }).expect(200);
    const count = await rows.query('SELECT count(*)::int AS n FROM users');
    expect(count.rows).toEqual([{ n: 3 }]);
  });
});
