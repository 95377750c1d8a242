import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { DelegatedStoreModule, type Store } from '../../../lib/index.js';

/** A latch the test opens by hand, so that concurrent calls overlap deterministically (no sleeps). */
export interface Latch {
  promise: Promise<void>;
  open(): void;
}

export function latch(): Latch {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A Map-backed layer that records every `set` (with its ttl) and `delete`. */
export class RecordingStore implements Store<string, unknown> {
  readonly data = new Map<string, unknown>();
  readonly sets: Array<{ key: string; value: unknown; ttl?: number }> = [];
  readonly deletes: string[] = [];

  async get(key: string): Promise<unknown> {
    return this.data.get(key);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    this.sets.push({ key, value, ttl });
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.deletes.push(key);
    this.data.delete(key);
  }
}

/** `DelegatedStoreModule.forRoot` with one RecordingStore layer; `name` omitted: the default store. */
export function storeModule(layer: RecordingStore, name?: string): DynamicModule {
  return DelegatedStoreModule.forRoot<string, unknown>({ name, layers: [{ store: layer, name: 'memory' }] });
}

/** A compiled testing module with the given stores and providers (and controllers). */
export function compile(options: {
  stores: DynamicModule[];
  providers?: Provider[];
  controllers?: Type[];
}): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: options.stores,
    providers: options.providers ?? [],
    controllers: options.controllers ?? [],
  }).compile();
}

/** Lets every pending promise callback (and the store's background writes) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
