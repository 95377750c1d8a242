import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Scope } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import {
  ConfigurationError,
  DelegatedCached,
  DelegatedEvict,
  StoreNotInjectedError,
} from '../../../lib/index.js';
import { compile, RecordingStore, settle, storeModule } from './fixtures.js';

/** Counts calls per class, since request-scoped and transient instances do not live long enough. */
const calls = new Map<string, number>();
function count(name: string): number {
  const next = (calls.get(name) ?? 0) + 1;
  calls.set(name, next);
  return next;
}

@Injectable()
class CatalogService {
  @DelegatedCached()
  async price(sku: string): Promise<string> {
    count('CatalogService');
    return `price of ${sku}`;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedService {
  @DelegatedCached()
  async load(id: string): Promise<string> {
    count('RequestScopedService');
    return `loaded ${id}`;
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientService {
  @DelegatedCached()
  async load(id: string): Promise<string> {
    count('TransientService');
    return `loaded ${id}`;
  }
}

@Injectable()
class NeedsMissingStore {
  @DelegatedCached({ store: 'missing' })
  async find(): Promise<string> {
    return 'x';
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedNeedsMissingStore {
  @DelegatedEvict({ key: 'k', store: 'absent' })
  async update(): Promise<string> {
    return 'x';
  }
}

@Injectable()
class NeedsDefaultStore {
  @DelegatedCached()
  async find(): Promise<string> {
    return 'x';
  }
}

describe('decorated providers', () => {
  const modules: TestingModule[] = [];

  async function open(...options: Parameters<typeof compile>): Promise<TestingModule> {
    const moduleRef = await compile(...options);
    modules.push(moduleRef);
    return moduleRef;
  }

  afterEach(async () => {
    calls.clear();
    await Promise.all(modules.splice(0).map((moduleRef) => moduleRef.close()));
  });

  it('work when request-scoped: instances of different requests share the cache', async () => {
    const moduleRef = await open({
      stores: [storeModule(new RecordingStore())],
      providers: [RequestScopedService],
    });
    const first = await moduleRef.resolve(RequestScopedService);
    const second = await moduleRef.resolve(RequestScopedService);
    expect(first).not.toBe(second);
    expect(await first.load('a')).toBe('loaded a');
    await settle();
    expect(await second.load('a')).toBe('loaded a');
    expect(calls.get('RequestScopedService')).toBe(1);
  });

  it('work when transient', async () => {
    const moduleRef = await open({
      stores: [storeModule(new RecordingStore())],
      providers: [TransientService],
    });
    const first = await moduleRef.resolve(TransientService);
    const second = await moduleRef.resolve(TransientService);
    expect(await first.load('a')).toBe('loaded a');
    await settle();
    expect(await second.load('a')).toBe('loaded a');
    expect(calls.get('TransientService')).toBe(1);
  });

  it('are not wrapped twice when aliased with useExisting', async () => {
    const memory = new RecordingStore();
    const moduleRef = await open({
      stores: [storeModule(memory)],
      providers: [CatalogService, { provide: 'CATALOG', useExisting: CatalogService }],
    });
    const alias = moduleRef.get<CatalogService>('CATALOG');
    expect(alias).toBe(moduleRef.get(CatalogService));
    expect(await alias.price('a')).toBe('price of a');
    expect(await moduleRef.get(CatalogService).price('b')).toBe('price of b');
    await settle();
    expect(await alias.price('b')).toBe('price of b');
    expect(await moduleRef.get(CatalogService).price('a')).toBe('price of a');
    expect(calls.get('CatalogService')).toBe(2);
    expect(memory.sets.map((set) => set.key)).toEqual([
      'CatalogService.price:["a"]',
      'CatalogService.price:["b"]',
    ]);
  });

  it('of two applications in one process use their own store', async () => {
    const memoryA = new RecordingStore();
    const memoryB = new RecordingStore();
    const appA = await open({ stores: [storeModule(memoryA)], providers: [CatalogService] });
    const appB = await open({ stores: [storeModule(memoryB)], providers: [CatalogService] });
    expect(await appA.get(CatalogService).price('a')).toBe('price of a');
    await settle();
    expect(await appB.get(CatalogService).price('a')).toBe('price of a');
    await settle();
    expect(calls.get('CatalogService')).toBe(2);
    expect([...memoryA.data.keys()]).toEqual(['CatalogService.price:["a"]']);
    expect([...memoryB.data.keys()]).toEqual(['CatalogService.price:["a"]']);
  });

  it.each([
    [NeedsMissingStore, '@DelegatedCached() on NeedsMissingStore.find', 'the DelegatedStore "missing"'],
    [
      RequestScopedNeedsMissingStore,
      '@DelegatedEvict() on RequestScopedNeedsMissingStore.update',
      'the DelegatedStore "absent"',
    ],
    [NeedsDefaultStore, '@DelegatedCached() on NeedsDefaultStore.find', 'the default DelegatedStore'],
  ])('fail at bootstrap when the store is missing (%p)', async (provider, method, store) => {
    const bootstrap = compile({ stores: [], providers: [provider] });
    await expect(bootstrap).rejects.toThrow(method);
    await expect(bootstrap).rejects.toThrow(store);
  });

  it('reject a call on an instance that Nest did not create, naming the method', async () => {
    await expect(new CatalogService().price('a')).rejects.toThrow(StoreNotInjectedError);
    await expect(new CatalogService().price('a')).rejects.toThrow(
      '@DelegatedCached() on CatalogService.price has no access to the default DelegatedStore',
    );
  });
});

describe('decorator options', () => {
  it('refuse an invalid ttl when the class is defined', () => {
    expect(() => {
      class BadTtl {
        @DelegatedCached({ ttl: -1 })
        async find(): Promise<void> {}
      }
      return BadTtl;
    }).toThrow(
      new ConfigurationError(
        '@DelegatedCached() on BadTtl.find: ttl must be a finite number of milliseconds > 0, got -1',
      ),
    );
  });

  it('refuse a static method', () => {
    expect(() => {
      class StaticMethod {
        @DelegatedCached()
        static async find(): Promise<void> {}
      }
      return StaticMethod;
    }).toThrow('@DelegatedCached() on StaticMethod.find: a static method cannot be decorated');
  });
});
