import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { DelegatedCached, DelegatedEvict, DelegatedPut, DelegatedStoreModule } from '../../../lib/index.js';
import { FullTestStore } from '../../support/test-store.js';
import { compile, settle } from './fixtures.js';

/**
 * API.md §3 (2026-12-02): the decorated method is the source of its entries, so the decorators never read,
 * write or delete the store's primary layer. The scenario of issue 11: the default store is
 * memory → database (primary), and cached methods use keys that are also rows of the database.
 */
interface Row {
  id: string;
  name: string;
}

@Injectable()
class UsersService {
  calls = 0;
  readonly rows = new Map<string, Row>([['1', { id: '1', name: 'Ada' }]]);

  @DelegatedCached({ key: (id) => `user:${id}` })
  async findOne(id: string): Promise<Row | null> {
    this.calls++;
    return this.rows.get(id) ?? null;
  }

  @DelegatedEvict({ key: (id) => `user:${id}` })
  async update(id: string, name: string): Promise<Row> {
    const row = { id, name };
    this.rows.set(id, row);
    return row;
  }

  @DelegatedEvict({ keys: (ids) => ids.map((id) => `user:${id}`) })
  async updateMany(ids: string[]): Promise<number> {
    return ids.length;
  }

  @DelegatedEvict({ key: (id) => `user:${id}`, keys: (id) => [`user:summary:${id}`] })
  async touch(id: string): Promise<void> {
    void id;
  }

  @DelegatedEvict({ allEntries: true })
  async reset(): Promise<void> {}

  @DelegatedEvict({ keys: () => 'not-an-array' as unknown as string[] })
  async badKeys(): Promise<void> {}

  @DelegatedPut({ key: (row) => `user:${row.id}`, ttl: 500 })
  async save(row: Row): Promise<Row> {
    this.rows.set(row.id, row);
    return row;
  }

  @DelegatedPut({ key: (id) => `user:${id}` })
  async forget(id: string): Promise<Row | undefined> {
    this.rows.delete(id);
    return undefined;
  }

  @DelegatedCached()
  async defaultKey(id: string): Promise<string> {
    this.calls++;
    return `computed ${id}`;
  }
}

describe('decorators never touch the primary layer', () => {
  let moduleRef: TestingModule;
  let memory: FullTestStore<unknown>;
  let database: FullTestStore<unknown>;
  let service: UsersService;

  async function setUp(): Promise<void> {
    memory = new FullTestStore<unknown>();
    database = new FullTestStore<unknown>({
      'user:1': { id: '1', name: 'row in the database' },
      'user:2': { id: '2', name: 'another row' },
    });
    moduleRef = await compile({
      stores: [
        DelegatedStoreModule.forRoot<string, unknown>({
          layers: [
            { store: memory, name: 'memory', ttl: 60_000 },
            { store: database, name: 'database', primary: true },
          ],
        }),
      ],
      providers: [UsersService],
    });
    service = moduleRef.get(UsersService);
  }

  afterEach(async () => {
    await moduleRef?.close();
  });

  it('@DelegatedCached reads the caches only: the method runs even when the primary has the key', async () => {
    await setUp();
    expect(await service.findOne('1')).toEqual({ id: '1', name: 'Ada' });
    expect(service.calls).toBe(1);
    await settle();
    expect(memory.data.get('user:1')).toEqual({ id: '1', name: 'Ada' });
    expect(await service.findOne('1')).toEqual({ id: '1', name: 'Ada' });
    expect(service.calls).toBe(1);
    expect(database.calls).toEqual([]);
  });

  it('caches a null result in the caches only, never in the primary', async () => {
    await setUp();
    expect(await service.findOne('404')).toBeNull();
    await settle();
    expect(memory.data.get('user:404')).toBeNull();
    expect(database.data.has('user:404')).toBe(false);
  });

  it('@DelegatedEvict keeps every row: it invalidates the caches and never deletes from the primary', async () => {
    await setUp();
    await service.findOne('1');
    await settle();
    await service.update('1', 'Grace');
    expect(memory.data.has('user:1')).toBe(false);
    expect(database.data.get('user:1')).toEqual({ id: '1', name: 'row in the database' });
    expect(database.calls).toEqual([]);
    expect(await service.findOne('1')).toEqual({ id: '1', name: 'Grace' });
  });

  it('@DelegatedEvict with keys evicts several keys; key and keys together evict both', async () => {
    await setUp();
    memory.data.set('user:1', 'x');
    memory.data.set('user:2', 'y');
    memory.data.set('user:summary:3', 'z');
    memory.data.set('user:3', 'w');
    await service.updateMany(['1', '2']);
    expect([...memory.data.keys()].sort()).toEqual(['user:3', 'user:summary:3']);
    await service.touch('3');
    expect(memory.data.size).toBe(0);
    expect(database.calls).toEqual([]);
  });

  it('@DelegatedEvict keys that are not an array of strings reject with a message that says so', async () => {
    await setUp();
    await expect(service.badKeys()).rejects.toThrow(
      'UsersService.badKeys: the keys function must return an array of strings, got "not-an-array" (string)',
    );
  });

  it('@DelegatedEvict({ allEntries: true }) empties the caches, never the primary', async () => {
    await setUp();
    memory.data.set('user:1', 'x');
    memory.data.set('other', 'y');
    await service.reset();
    expect(memory.data.size).toBe(0);
    expect(database.data.size).toBe(2);
    expect(database.calls).toEqual([]);
  });

  it('@DelegatedPut writes the result into the caches only, with its ttl', async () => {
    await setUp();
    const row = { id: '7', name: 'Katherine' };
    expect(await service.save(row)).toBe(row);
    expect(memory.calls).toEqual([{ method: 'set', key: 'user:7', value: row, ttl: 500 }]);
    expect(database.calls).toEqual([]);
    expect(await service.findOne('7')).toBe(row);
    expect(service.calls).toBe(0);
  });

  it('@DelegatedPut invalidates the key when the method resolves undefined', async () => {
    await setUp();
    memory.data.set('user:1', 'cached');
    expect(await service.forget('1')).toBeUndefined();
    expect(memory.data.has('user:1')).toBe(false);
    expect(database.data.has('user:1')).toBe(true);
  });

  it('default keys of a cached method never reach the primary', async () => {
    await setUp();
    expect(await service.defaultKey('a')).toBe('computed a');
    await settle();
    expect(memory.data.get('UsersService.defaultKey:["a"]')).toBe('computed a');
    expect(database.calls).toEqual([]);
  });
});
