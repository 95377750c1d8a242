import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { DelegatedCached, DelegatedStore, DelegatedStoreModule, MemoryStore } from '../../../lib/index.js';
import { compile, latch, RecordingStore, settle, storeModule } from './fixtures.js';

@Injectable()
class UsersService {
  calls = 0;
  /** What `find` returns next; `gate` holds it until the test opens it. */
  next: unknown = 'user';
  gate: Promise<void> | undefined;

  @DelegatedCached()
  async find(_id: string, _version: number): Promise<unknown> {
    this.calls++;
    await this.gate;
    return this.next;
  }

  @DelegatedCached({ ttl: 5_000 })
  async withTtl(id: string): Promise<string> {
    this.calls++;
    return `ttl:${id}`;
  }

  @DelegatedCached({ store: 'sessions' })
  async session(id: string): Promise<string> {
    this.calls++;
    return `session:${id}`;
  }

  @DelegatedCached({ condition: (id: string) => !id.startsWith('nocache') })
  async conditional(id: string): Promise<string> {
    this.calls++;
    return `conditional:${id}:${this.calls}`;
  }

  @DelegatedCached({ unless: (result) => (result as { draft: boolean }).draft })
  async document(id: string): Promise<{ id: string; draft: boolean; call: number }> {
    this.calls++;
    await this.gate;
    return { id, draft: id.startsWith('draft'), call: this.calls };
  }
}

describe('@DelegatedCached', () => {
  let moduleRef: TestingModule;
  let memory: RecordingStore;
  let sessions: RecordingStore;
  let service: UsersService;

  async function setUp(): Promise<void> {
    memory = new RecordingStore();
    sessions = new RecordingStore();
    moduleRef = await compile({
      stores: [storeModule(memory), storeModule(sessions, 'sessions')],
      providers: [UsersService],
    });
    service = moduleRef.get(UsersService);
  }

  afterEach(async () => {
    await moduleRef?.close();
  });

  it('runs the method once for 20 concurrent calls with equal arguments', async () => {
    await setUp();
    const gate = latch();
    service.gate = gate.promise;
    const calls = Array.from({ length: 20 }, () => service.find('a', 1));
    await settle();
    gate.open();
    expect(await Promise.all(calls)).toEqual(Array(20).fill('user'));
    expect(service.calls).toBe(1);
  });

  it('serves later calls from the layers, under the key Class.method:[args]', async () => {
    await setUp();
    expect(await service.find('a', 1)).toBe('user');
    await settle();
    expect(memory.data.get('UsersService.find:["a",1]')).toBe('user');
    service.next = 'changed';
    expect(await service.find('a', 1)).toBe('user');
    expect(await service.find('a', 2)).toBe('changed');
    expect(service.calls).toBe(2);
  });

  it.each([null, 0, false, ''])('caches %p', async (value) => {
    await setUp();
    service.next = value;
    expect(await service.find('falsy', 1)).toBe(value);
    await settle();
    service.next = 'other';
    expect(await service.find('falsy', 1)).toBe(value);
    expect(service.calls).toBe(1);
  });

  it('never caches undefined', async () => {
    await setUp();
    service.next = undefined;
    expect(await service.find('u', 1)).toBeUndefined();
    await settle();
    expect(memory.sets).toEqual([]);
    service.next = 'now';
    expect(await service.find('u', 1)).toBe('now');
    expect(service.calls).toBe(2);
  });

  it('passes ttl to the layer’s set', async () => {
    await setUp();
    await service.withTtl('x');
    await settle();
    expect(memory.sets).toEqual([{ key: 'UsersService.withTtl:["x"]', value: 'ttl:x', ttl: 5_000 }]);
  });

  it('writes to the named store only', async () => {
    await setUp();
    expect(await service.session('s1')).toBe('session:s1');
    await settle();
    expect(sessions.data.get('UsersService.session:["s1"]')).toBe('session:s1');
    expect(memory.sets).toEqual([]);
    expect(await service.session('s1')).toBe('session:s1');
    expect(service.calls).toBe(1);
  });

  it('bypasses the store when condition returns false', async () => {
    await setUp();
    expect(await service.conditional('nocache-1')).toBe('conditional:nocache-1:1');
    expect(await service.conditional('nocache-1')).toBe('conditional:nocache-1:2');
    expect(await service.conditional('yes')).toBe('conditional:yes:3');
    expect(await service.conditional('yes')).toBe('conditional:yes:3');
    await settle();
    expect(memory.sets.map((set) => set.key)).toEqual(['UsersService.conditional:["yes"]']);
  });

  it('returns without caching a result for which unless is true', async () => {
    await setUp();
    expect(await service.document('draft-1')).toEqual({ id: 'draft-1', draft: true, call: 1 });
    expect(await service.document('draft-1')).toEqual({ id: 'draft-1', draft: true, call: 2 });
    expect(await service.document('final')).toEqual({ id: 'final', draft: false, call: 3 });
    expect(await service.document('final')).toEqual({ id: 'final', draft: false, call: 3 });
    await settle();
    expect(memory.sets.map((set) => set.key)).toEqual(['UsersService.document:["final"]']);
  });

  it('gives every concurrent caller of an uncached load the real result', async () => {
    await setUp();
    const gate = latch();
    service.gate = gate.promise;
    const calls = Array.from({ length: 5 }, () => service.document('draft-2'));
    await settle();
    gate.open();
    const results = await Promise.all(calls);
    expect(results).toEqual(Array(5).fill({ id: 'draft-2', draft: true, call: 1 }));
    expect(service.calls).toBe(1);
    await settle();
    expect(memory.sets).toEqual([]);
  });

  it('uses the store that Nest injected, the one of this application', async () => {
    await setUp();
    const store = moduleRef.get(DelegatedStore);
    await store.set('UsersService.find:["preset",1]', 'from the store');
    expect(await service.find('preset', 1)).toBe('from the store');
    expect(service.calls).toBe(0);
  });
});

@Injectable()
class PricesService {
  calls = 0;
  /** Holds the method until the test opens it. */
  gate: Promise<void> | undefined;

  @DelegatedCached()
  async price(id: string): Promise<string> {
    const call = ++this.calls;
    await this.gate;
    return `${id}#${call}`;
  }
}

describe("@DelegatedCached follows the layers' freshness", () => {
  const TTL = 1000;
  const GRACE = 5000;
  let moduleRef: TestingModule | undefined;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(async () => {
    await moduleRef?.close();
    jest.useRealTimers();
  });

  it('a stale result is returned at once, the method runs once in the background, then its new result', async () => {
    moduleRef = await compile({
      stores: [
        DelegatedStoreModule.forRoot<string, unknown>({
          layers: [{ store: new MemoryStore<string, unknown>(), name: 'memory', ttl: TTL, grace: GRACE }],
        }),
      ],
      providers: [PricesService],
    });
    const service = moduleRef.get(PricesService);
    const store = moduleRef.get(DelegatedStore);
    expect(await service.price('a')).toBe('a#1');
    await store.drain();
    jest.advanceTimersByTime(TTL + 1);
    const gate = latch();
    service.gate = gate.promise; // the background run does not finish until the test says
    expect(await service.price('a')).toBe('a#1'); // stale, at once
    await settle();
    expect(service.calls).toBe(2); // the method, in the background
    expect(await service.price('a')).toBe('a#1'); // still stale; the run in flight is shared
    await settle();
    expect(service.calls).toBe(2);
    gate.open();
    await store.drain();
    expect(await service.price('a')).toBe('a#2');
    expect(service.calls).toBe(2);
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 2, refreshes: 1, refreshFailures: 0 });
  });
});
