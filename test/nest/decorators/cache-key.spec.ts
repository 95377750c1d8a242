import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { CacheKeyError, DelegatedCached } from '../../../lib/index.js';
import { compile, RecordingStore, settle, storeModule } from './fixtures.js';

@Injectable()
class SearchService {
  calls = 0;
  readonly tenant = 'acme';

  @DelegatedCached()
  async search(..._args: unknown[]): Promise<number> {
    return ++this.calls;
  }

  @DelegatedCached({ key: 'catalogue' })
  async catalogue(): Promise<number> {
    return ++this.calls;
  }

  @DelegatedCached({
    key(this: SearchService, id: string) {
      return `${this.tenant}:product:${id}`;
    },
  })
  async product(id: string): Promise<string> {
    this.calls++;
    return `product ${id}`;
  }

  @DelegatedCached({ key: () => 42 as unknown as string })
  async badKey(): Promise<number> {
    return ++this.calls;
  }
}

function circular(): object {
  const object: Record<string, unknown> = {};
  object.self = object;
  return object;
}

describe('@DelegatedCached keys', () => {
  let moduleRef: TestingModule;
  let memory: RecordingStore;
  let service: SearchService;

  async function setUp(): Promise<void> {
    memory = new RecordingStore();
    moduleRef = await compile({ stores: [storeModule(memory)], providers: [SearchService] });
    service = moduleRef.get(SearchService);
  }

  async function keysWritten(): Promise<string[]> {
    await settle();
    return memory.sets.map((set) => set.key);
  }

  afterEach(async () => {
    await moduleRef?.close();
  });

  it('is Class.method:JSON of the arguments', async () => {
    await setUp();
    await service.search('a', 1);
    await service.search();
    await service.search(null, true, [1, 'x'], new Date(0));
    expect(await keysWritten()).toEqual([
      'SearchService.search:["a",1]',
      'SearchService.search:[]',
      'SearchService.search:[null,true,[1,"x"],"1970-01-01T00:00:00.000Z"]',
    ]);
  });

  it('is the same for equal objects whose keys were set in another order', async () => {
    await setUp();
    expect(await service.search({ b: 2, a: { d: [1], c: 'x' } })).toBe(1);
    expect(await service.search({ a: { c: 'x', d: [1] }, b: 2 })).toBe(1);
    expect(await keysWritten()).toEqual(['SearchService.search:[{"a":{"c":"x","d":[1]},"b":2}]']);
  });

  it('accepts a value seen twice that is not a cycle', async () => {
    await setUp();
    const shared = { id: 1 };
    await service.search(shared, { again: shared });
    expect(await keysWritten()).toEqual(['SearchService.search:[{"id":1},{"again":{"id":1}}]']);
  });

  it.each([
    ['a function', [() => 1], 'args[0] is a function'],
    ['a nested function', [{ filter: { where: () => 1 } }], 'args[0].filter.where is a function'],
    ['a BigInt', [1n], 'args[0] is a BigInt'],
    ['a symbol', [Symbol('s')], 'args[0] is a symbol'],
    ['a Map', [new Map([[1, 2]])], 'args[0] is a Map'],
    ['a cycle', [circular()], 'args[0].self is a circular reference'],
  ])('rejects %s with an error naming Class.method and the key option', async (_what, args, detail) => {
    await setUp();
    const call = service.search(...args);
    await expect(call).rejects.toThrow(CacheKeyError);
    await expect(call).rejects.toThrow(`@DelegatedCached() on SearchService.search`);
    await expect(call).rejects.toThrow(detail);
    await expect(call).rejects.toThrow('Pass a key function');
    expect(service.calls).toBe(0);
  });

  it('can be a fixed string', async () => {
    await setUp();
    expect(await service.catalogue()).toBe(1);
    expect(await service.catalogue()).toBe(1);
    expect(await keysWritten()).toEqual(['catalogue']);
  });

  it('can be a function of the arguments, called with this', async () => {
    await setUp();
    expect(await service.product('p1')).toBe('product p1');
    expect(await service.product('p1')).toBe('product p1');
    expect(service.calls).toBe(1);
    expect(await keysWritten()).toEqual(['acme:product:p1']);
  });

  it('rejects a key function that does not return a string', async () => {
    await setUp();
    await expect(service.badKey()).rejects.toThrow(
      '@DelegatedCached() on SearchService.badKey: the key function must return a string, got number',
    );
  });
});
