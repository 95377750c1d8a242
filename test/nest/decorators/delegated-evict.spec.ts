import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { DelegatedCached, DelegatedEvict } from '../../../lib/index.js';
import { compile, latch, RecordingStore, settle, storeModule } from './fixtures.js';

@Injectable()
class ProfilesService {
  readonly profiles = new Map<string, string>([['p1', 'Ada']]);
  readonly prefix = 'profile';
  /** Holds `get` after it read the profile, until the test opens it. */
  gate: Promise<void> | undefined;

  @DelegatedCached({ key: (id: string) => `profile:${id}` })
  async get(id: string): Promise<string | undefined> {
    const profile = this.profiles.get(id);
    await this.gate;
    return profile;
  }

  @DelegatedEvict({
    key(this: ProfilesService, id: string) {
      return `${this.prefix}:${id}`;
    },
  })
  async rename(id: string, name: string): Promise<string> {
    if (name === '') throw new Error('a name is required');
    this.profiles.set(id, name);
    return `renamed ${id}`;
  }

  @DelegatedEvict({ key: 'stats', store: 'stats' })
  async resetStats(): Promise<number> {
    return 0;
  }
}

describe('@DelegatedEvict', () => {
  let moduleRef: TestingModule;
  let memory: RecordingStore;
  let stats: RecordingStore;
  let service: ProfilesService;

  async function setUp(): Promise<void> {
    memory = new RecordingStore();
    stats = new RecordingStore();
    moduleRef = await compile({
      stores: [storeModule(memory), storeModule(stats, 'stats')],
      providers: [ProfilesService],
    });
    service = moduleRef.get(ProfilesService);
  }

  afterEach(async () => {
    await moduleRef?.close();
  });

  it('deletes the key after the method resolved, and returns its result', async () => {
    await setUp();
    expect(await service.get('p1')).toBe('Ada');
    await settle();
    expect(memory.data.get('profile:p1')).toBe('Ada');

    expect(await service.rename('p1', 'Grace')).toBe('renamed p1');
    expect(memory.deletes).toEqual(['profile:p1']);
    expect(await service.get('p1')).toBe('Grace');
  });

  it('deletes nothing when the method rejected', async () => {
    await setUp();
    await service.get('p1');
    await settle();
    await expect(service.rename('p1', '')).rejects.toThrow('a name is required');
    expect(memory.deletes).toEqual([]);
    expect(await service.get('p1')).toBe('Ada');
  });

  it('keeps a load that read the old value before the eviction out of the cache', async () => {
    await setUp();
    const gate = latch();
    service.gate = gate.promise;
    const staleRead = service.get('p1');
    await settle();
    await service.rename('p1', 'Grace');
    gate.open();
    expect(await staleRead).toBe('Ada');
    await settle();
    expect(memory.data.has('profile:p1')).toBe(false);
    service.gate = undefined;
    expect(await service.get('p1')).toBe('Grace');
  });

  it('deletes from a named store', async () => {
    await setUp();
    stats.data.set('stats', 7);
    expect(await service.resetStats()).toBe(0);
    expect(stats.deletes).toEqual(['stats']);
    expect(memory.deletes).toEqual([]);
  });
});
