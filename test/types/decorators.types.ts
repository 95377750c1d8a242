/**
 * Type tests of the method decorators: every `@ts-expect-error` line is a mistake that must not compile
 * (test/types/types.spec.ts fails when one compiles, or when anything else here does not).
 */
import { DelegatedCached, DelegatedEvict, DelegatedPut, DelegatedStoreClass } from '../../lib/index.js';

interface User {
  id: string;
  name: string;
}
interface Product {
  sku: number;
}

export class UsersStore extends DelegatedStoreClass<string, User>() {}

export class UsersService {
  // The key function's parameters are typed from the method: `id` is a string here.
  @DelegatedCached({ key: (id) => `user:${id.toUpperCase()}` })
  async find(id: string): Promise<User | null> {
    return { id, name: 'Ada' };
  }

  @DelegatedCached({
    key: (id) => {
      // @ts-expect-error `id` is typed from the method: a string, not any
      const wrong: number = id;
      return `user:${wrong}`;
    },
  })
  async keyParameterIsTyped(id: string): Promise<User> {
    return { id, name: 'Ada' };
  }

  // A key function may take the first parameters only.
  @DelegatedCached({ key: (id: string) => `user:${id}`, ttl: 1000 })
  async findWithOptions(id: string, _options: { fresh: boolean }): Promise<User> {
    return { id, name: 'Ada' };
  }

  // @ts-expect-error a key function whose parameter types differ from the method's
  @DelegatedCached({ key: (id: number) => `user:${id}` })
  async wrongKey(id: string): Promise<User> {
    return { id, name: 'Ada' };
  }

  // @ts-expect-error a key function with more parameters than the method
  @DelegatedCached({ key: (id: string, page: number) => `user:${id}:${page}` })
  async tooManyKeyParameters(id: string): Promise<User> {
    return { id, name: 'Ada' };
  }

  // `unless` gets the method's result type.
  @DelegatedCached({ unless: (user) => user === null || user.name === '' })
  async maybe(id: string): Promise<User | null> {
    return { id, name: '' };
  }

  @DelegatedCached({
    // @ts-expect-error `unless` sees User | null, which has no `sku`
    unless: (user) => user.sku === 1,
  })
  async wrongUnless(id: string): Promise<User | null> {
    return { id, name: '' };
  }

  @DelegatedCached({
    // @ts-expect-error `condition` gets the method's parameters
    condition: (id: number) => id > 0,
  })
  async wrongCondition(id: string): Promise<User> {
    return { id, name: 'Ada' };
  }

  // @ts-expect-error a synchronous method cannot be cached
  @DelegatedCached()
  syncMethod(id: string): User {
    return { id, name: 'Ada' };
  }

  // A typed store: the result must be a User (or undefined).
  @DelegatedCached({ store: UsersStore, key: (id) => `user:${id}` })
  async fromTypedStore(id: string): Promise<User> {
    return { id, name: 'Ada' };
  }

  // @ts-expect-error a typed store of User cannot cache a Product
  @DelegatedCached({ store: UsersStore, key: (sku: number) => `product:${sku}` })
  async productInUserStore(sku: number): Promise<Product> {
    return { sku };
  }

  @DelegatedEvict({ key: (id) => `user:${id}`, keys: (id) => [`user:summary:${id}`] })
  async update(_id: string, _user: User): Promise<void> {}

  // @ts-expect-error an eviction key function with the wrong parameter type
  @DelegatedEvict({ key: (id: number) => `user:${id}` })
  async wrongEvict(id: string): Promise<void> {
    void id;
  }

  @DelegatedEvict({ allEntries: true })
  async reset(): Promise<void> {}

  @DelegatedPut({ store: UsersStore, key: (user) => `user:${user.id}` })
  async save(user: User): Promise<User> {
    return user;
  }

  // @ts-expect-error @DelegatedPut needs a key
  @DelegatedPut({})
  async putWithoutKey(user: User): Promise<User> {
    return user;
  }
}
