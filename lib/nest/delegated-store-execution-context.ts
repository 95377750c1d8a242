import type { ArgumentsHost, ExecutionContext, Type } from '@nestjs/common';
import { DelegatedStore } from '../core/delegated-store.js';
import type { OperationContext } from '../core/operation.js';
import { DELEGATED_STORE_CONTEXT_TYPE } from './delegated-store.constants.js';

// An interceptor written for HTTP may call switchToHttp() before it checks getType(): give it
// hosts whose getters answer `undefined` instead of a store key posing as a request.
type HttpArgumentsHost = ReturnType<ArgumentsHost['switchToHttp']>;
type RpcArgumentsHost = ReturnType<ArgumentsHost['switchToRpc']>;
type WsArgumentsHost = ReturnType<ArgumentsHost['switchToWs']>;

const NO_HTTP: HttpArgumentsHost = {
  getRequest: () => undefined as any,
  getResponse: () => undefined as any,
  getNext: () => undefined as any,
};
const NO_RPC: RpcArgumentsHost = { getData: () => undefined as any, getContext: () => undefined as any };
const NO_WS: WsArgumentsHost = {
  getData: () => undefined as any,
  getClient: () => undefined as any,
  getPattern: () => undefined as any,
};

/**
 * What an interceptor sees of a store operation: type `'delegated-store'`, the arguments
 * `[key, value, ctx]`, the DelegatedStore class and the store method of the operation.
 */
export class DelegatedStoreExecutionContext<K, V> implements ExecutionContext {
  readonly #args: [K, V | undefined, OperationContext];

  constructor(ctx: OperationContext, key: K, value: V | undefined) {
    this.#args = [key, value, ctx];
  }

  getType<TContext extends string = typeof DELEGATED_STORE_CONTEXT_TYPE>(): TContext {
    return DELEGATED_STORE_CONTEXT_TYPE as TContext;
  }

  getArgs<T extends any[] = [K, V | undefined, OperationContext]>(): T {
    return this.#args as unknown as T;
  }

  getArgByIndex<T = any>(index: number): T {
    return this.#args[index] as T;
  }

  getClass<T = DelegatedStore<K, V>>(): Type<T> {
    return DelegatedStore as unknown as Type<T>;
  }

  getHandler(): Function {
    return DelegatedStore.prototype[this.#args[2].operation];
  }

  switchToHttp(): HttpArgumentsHost {
    return NO_HTTP;
  }

  switchToRpc(): RpcArgumentsHost {
    return NO_RPC;
  }

  switchToWs(): WsArgumentsHost {
    return NO_WS;
  }
}
