import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  Inject,
  Injectable,
  Module,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { map } from 'rxjs';
import { Test } from '@nestjs/testing';
import {
  ConfigurationError,
  DelegatedStore,
  DelegatedStoreModule,
  InjectDelegatedStore,
  getDelegatedStoreToken,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

/** A ConfigService-like provider, exported by a module the factory imports. */
@Injectable()
class AppConfig {
  readonly cacheTtl = 1_000;
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class ConfigModule {}

@Injectable()
class UsersService {
  constructor(
    readonly store: DelegatedStore<string, string>,
    @InjectDelegatedStore('sessions') readonly sessions: DelegatedStore<string, string>,
  ) {}
}

describe('DelegatedStoreModule', () => {
  it('forRoot registers the default store, injected by its class', async () => {
    const l0 = new TestStore<string>();
    const l1 = new TestStore<string>({ a: 'A' });
    const moduleRef = await Test.createTestingModule({
      imports: [DelegatedStoreModule.forRoot({ layers: [{ store: l0 }, { store: l1, primary: true }] })],
    }).compile();
    const store = moduleRef.get(DelegatedStore);
    expect(store).toBeInstanceOf(DelegatedStore);
    expect(moduleRef.get(getDelegatedStoreToken())).toBe(store);
    expect(await store.get('a')).toBe('A');
    await store.drain();
    expect(l0.data.get('a')).toBe('A');
    await moduleRef.close();
  });

  it('forRootAsync builds the options with a factory that injects a provider of an imported module', async () => {
    const l0 = new TestStore<string>();
    const l1 = new TestStore<string>({ a: 'A' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRootAsync({
          name: 'users',
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => ({
            layers: [
              { store: l0, ttl: config.cacheTtl },
              { store: l1, primary: true },
            ],
          }),
        }),
      ],
    }).compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));
    expect(await store.get('a')).toBe('A');
    await store.drain();
    expect(l0.calls.find((call) => call.method === 'set')?.ttl).toBe(1_000);
    await moduleRef.close();
  });

  it('forRootAsync builds interceptor classes with the providers of its imports', async () => {
    @Injectable()
    class TtlInterceptor implements NestInterceptor {
      constructor(private readonly config: AppConfig) {}
      intercept(_context: ExecutionContext, next: CallHandler) {
        return next.handle().pipe(map((value) => `${String(value)} (ttl ${this.config.cacheTtl})`));
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRootAsync({
          imports: [ConfigModule],
          interceptors: [TtlInterceptor],
          useFactory: () => ({ layers: [{ store: new TestStore<string>({ a: 'A' }) }] }),
        }),
      ],
    }).compile();
    expect(await moduleRef.get(DelegatedStore).get('a')).toBe('A (ttl 1000)');
    await moduleRef.close();
  });

  it('registers the default store and named stores side by side', async () => {
    const defaultLayer = new TestStore<string>({ k: 'default' });
    const sessionsLayer = new TestStore<string>({ k: 'sessions' });
    const tokensLayer = new TestStore<string>({ k: 'tokens' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot({ layers: [{ store: defaultLayer }] }),
        DelegatedStoreModule.forRoot({ name: 'sessions', layers: [{ store: sessionsLayer }] }),
        DelegatedStoreModule.forRoot({ name: 'tokens', layers: [{ store: tokensLayer }] }),
      ],
      providers: [UsersService],
    }).compile();
    const service = moduleRef.get(UsersService);
    const tokens = moduleRef.get<DelegatedStore<string, string>>(getDelegatedStoreToken('tokens'));
    expect(await service.store.get('k')).toBe('default');
    expect(await service.sessions.get('k')).toBe('sessions');
    expect(await tokens.get('k')).toBe('tokens');
    expect(new Set([service.store, service.sessions, tokens]).size).toBe(3);
    await moduleRef.close();
  });

  it('isGlobal makes a store reachable from a feature module that does not import it', async () => {
    @Injectable()
    class FeatureService {
      constructor(@Inject(getDelegatedStoreToken('shared')) readonly store: DelegatedStore<string, string>) {}
    }
    @Module({ providers: [FeatureService], exports: [FeatureService] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot({
          name: 'shared',
          isGlobal: true,
          layers: [{ store: new TestStore() }],
        }),
        FeatureModule,
      ],
    }).compile();
    expect(moduleRef.get(FeatureService).store).toBe(moduleRef.get(getDelegatedStoreToken('shared')));
    await moduleRef.close();
  });

  it('without isGlobal a feature module cannot inject the store', async () => {
    @Injectable()
    class FeatureService {
      constructor(readonly store: DelegatedStore<string, string>) {}
    }
    @Module({ providers: [FeatureService] })
    class FeatureModule {}

    await expect(
      Test.createTestingModule({
        imports: [DelegatedStoreModule.forRoot({ layers: [{ store: new TestStore() }] }), FeatureModule],
      }).compile(),
    ).rejects.toThrow(/DelegatedStore/);
  });

  it('fails at bootstrap when one name is registered twice, naming the store', async () => {
    const build = () =>
      Test.createTestingModule({
        imports: [
          DelegatedStoreModule.forRoot({ name: 'users', layers: [{ store: new TestStore() }] }),
          DelegatedStoreModule.forRootAsync({
            name: 'users',
            useFactory: () => ({ layers: [{ store: new TestStore() }] }),
          }),
        ],
      }).compile();
    await expect(build()).rejects.toThrow(ConfigurationError);
    await expect(build()).rejects.toThrow(/the store "users" is registered 2 times/);
  });

  it('fails at bootstrap when the default store is registered twice', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          DelegatedStoreModule.forRoot({ layers: [{ store: new TestStore() }] }),
          DelegatedStoreModule.forRoot({ layers: [{ store: new TestStore() }] }),
        ],
      }).compile(),
    ).rejects.toThrow(/the default store is registered 2 times/);
  });

  it('accepts one registration imported by several modules', async () => {
    const users = DelegatedStoreModule.forRoot({ name: 'users', layers: [{ store: new TestStore() }] });
    @Module({ imports: [users] })
    class FeatureA {}
    @Module({ imports: [users] })
    class FeatureB {}
    const moduleRef = await Test.createTestingModule({ imports: [FeatureA, FeatureB, users] }).compile();
    expect(moduleRef.get(getDelegatedStoreToken('users'))).toBeInstanceOf(DelegatedStore);
    await moduleRef.close();
  });

  it('reports an invalid configuration at bootstrap with the store name', async () => {
    const compile = Test.createTestingModule({
      imports: [DelegatedStoreModule.forRootAsync({ name: 'users', useFactory: () => ({ layers: [] }) })],
    }).compile();
    await expect(compile).rejects.toThrow(ConfigurationError);
    await expect(
      Test.createTestingModule({
        imports: [
          DelegatedStoreModule.forRoot({
            layers: [
              { store: new TestStore(), primary: true },
              { store: new TestStore(), primary: true },
            ],
          }),
        ],
      }).compile(),
    ).rejects.toThrow(/DelegatedStoreModule \(the default store\): .*primary/);
  });

  it('rejects an invalid name or interceptor where the module is defined', () => {
    expect(() => DelegatedStoreModule.forRoot({ name: '', layers: [] })).toThrow(
      /name must be a non-empty string/,
    );
    expect(() => DelegatedStoreModule.forRoot({ layers: [], interceptors: ['logging' as never] })).toThrow(
      /interceptors\[0\] must be a NestInterceptor class or instance/,
    );
    expect(() => DelegatedStoreModule.forRootAsync({} as never)).toThrow(/useFactory/);
  });
});
