import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ConfigurationError,
  DelegatedCached,
  DelegatedStore,
  DelegatedStoreClass,
  DelegatedStoreModule,
  InjectDelegatedStore,
  getDelegatedStoreToken,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

interface User {
  id: string;
  name: string;
}

class UsersStore extends DelegatedStoreClass<string, User>() {}
class SessionsStore extends DelegatedStoreClass<string, string>('sessions') {}

@Injectable()
class UsersService {
  loads = 0;

  constructor(
    readonly users: UsersStore,
    readonly sessions: SessionsStore,
    @InjectDelegatedStore('sessions') readonly sessionsByName: DelegatedStore<string, string>,
  ) {}

  @DelegatedCached({ store: UsersStore, key: (id) => `user:${id}` })
  async find(id: string): Promise<User> {
    this.loads++;
    return { id, name: `user ${id}` };
  }
}

describe('stores declared once with their types (DelegatedStoreClass)', () => {
  it('registers the store with Class.forRoot and injects it by its class, as an instance of it', async () => {
    const users = new TestStore<User>({ a: { id: 'a', name: 'Ada' } });
    const moduleRef = await Test.createTestingModule({
      imports: [
        UsersStore.forRoot({ layers: [{ store: users, primary: true }] }),
        SessionsStore.forRoot({ layers: [{ store: new TestStore<string>({ s: 'session' }) }] }),
      ],
      providers: [UsersService],
    }).compile();
    const service = moduleRef.get(UsersService);
    expect(service.users).toBeInstanceOf(UsersStore);
    expect(service.users).toBeInstanceOf(DelegatedStore);
    expect(moduleRef.get(UsersStore)).toBe(service.users);
    expect(moduleRef.get(getDelegatedStoreToken(UsersStore))).toBe(service.users);
    expect(await service.users.get('a')).toEqual({ id: 'a', name: 'Ada' });
    // A name given to the class registers the store under it too.
    expect(service.sessionsByName).toBe(service.sessions);
    expect(moduleRef.get(getDelegatedStoreToken('sessions'))).toBe(service.sessions);
    await moduleRef.close();
  });

  it('is not the default store: a constructor parameter typed DelegatedStore does not receive it', async () => {
    @Injectable()
    class NeedsDefault {
      constructor(readonly store: DelegatedStore<string, User>) {}
    }
    const compiling = Test.createTestingModule({
      imports: [UsersStore.forRoot({ layers: [{ store: new TestStore<User>() }] })],
      providers: [NeedsDefault],
    }).compile();
    await expect(compiling).rejects.toThrow(/DelegatedStore/);
  });

  it('decorators name the typed store by its class', async () => {
    const cache = new TestStore<User>();
    const moduleRef = await Test.createTestingModule({
      imports: [
        UsersStore.forRoot({ layers: [{ store: cache, name: 'memory' }] }),
        SessionsStore.forRoot({ layers: [{ store: new TestStore<string>() }] }),
      ],
      providers: [UsersService],
    }).compile();
    const service = moduleRef.get(UsersService);
    expect(await service.find('b')).toEqual({ id: 'b', name: 'user b' });
    expect(await service.find('b')).toEqual({ id: 'b', name: 'user b' });
    expect(service.loads).toBe(1);
    expect(cache.data.get('user:b')).toEqual({ id: 'b', name: 'user b' });
    await moduleRef.close();
  });

  it('forRootAsync builds the typed store from a factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        UsersStore.forRootAsync({
          useFactory: () => ({ layers: [{ store: new TestStore<User>({ a: { id: 'a', name: 'Ada' } }) }] }),
        }),
      ],
    }).compile();
    expect(await moduleRef.get(UsersStore).get('a')).toEqual({ id: 'a', name: 'Ada' });
    await moduleRef.close();
  });

  it('a typed store registered twice in one application fails at bootstrap', async () => {
    @Module({ imports: [UsersStore.forRoot({ layers: [{ store: new TestStore<User>() }] })] })
    class A {}
    @Module({ imports: [UsersStore.forRoot({ layers: [{ store: new TestStore<User>() }] })] })
    class B {}
    await expect(Test.createTestingModule({ imports: [A, B] }).compile()).rejects.toThrow(
      'the store "UsersStore" is registered 2 times in this application (UsersStore.forRoot/forRootAsync)',
    );
  });

  it('refuses a store option that is not a DelegatedStore class', () => {
    expect(() =>
      DelegatedStoreModule.forRoot({
        store: class NotAStore {} as never,
        layers: [{ store: new TestStore() }],
      }),
    ).toThrow(ConfigurationError);
    expect(() => getDelegatedStoreToken(42 as never)).toThrow(ConfigurationError);
  });
});
