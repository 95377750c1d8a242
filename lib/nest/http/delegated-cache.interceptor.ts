import { AsyncResource } from 'node:async_hooks';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { DelegatedStore } from '../../core/delegated-store.js';
import type { OperationOptions, ServedInfo } from '../../core/operation.js';
import { getDelegatedStoreToken, type StoreRef } from '../delegated-store.tokens.js';
import type { DelegatedCacheKeyOption } from './delegated-cache-key.decorator.js';
import { isTtl, type DelegatedCacheTtlOption } from './delegated-cache-ttl.decorator.js';
import {
  DELEGATED_CACHE_KEY_METADATA,
  DELEGATED_CACHE_STORE_METADATA,
  DELEGATED_CACHE_TTL_METADATA,
  X_CACHE_HEADER,
  X_CACHE_LAYER_HEADER,
  type CacheStatus,
} from './http-cache.constants.js';
import {
  RouteHandlerError,
  describeRoute,
  invalidKeyError,
  invalidTtlError,
  missingStoreError,
} from './http-cache.errors.js';
import { requestCacheKey } from './request-cache-key.js';
import { isUncacheableRoute } from './uncacheable-route.js';

interface HttpRequestLike {
  method?: string;
  originalUrl?: string;
  url?: string;
}

/** What one request learnt from the store: which layer served it, and whether the value was stale. */
interface Served {
  layer: string | undefined;
  stale: boolean;
}

/**
 * Caches the responses of HTTP GET handlers in a DelegatedStore, with `getOrLoad`: concurrent requests
 * for one cold URL run the handler once, and the next ones are served by the cache layers. Like the
 * method decorators, it reads and writes the cache layers only (`cachesOnly`), never the primary.
 *
 * - Other methods, non-HTTP contexts, `@Res()`/`@Next()` handlers and `@Sse()` routes pass through.
 * - The key is `@DelegatedCacheKey` when set, else the method and the URL with its query parameters
 *   sorted (`trackBy`, which a subclass may override; `undefined` skips the cache).
 * - The ttl is `@DelegatedCacheTtl` when set, else the layers' own; the store is `@DelegatedCacheStore`'s,
 *   else the default store.
 * - `undefined` and `StreamableFile` results are returned, never cached.
 * - Each cached route answers with `x-cache: HIT | MISS | STALE` and `x-cache-layer: <layer> | loader`.
 * - A failing store is a miss: the handler answers, and the failure is logged, never sent to the client.
 *
 * Usable per route or controller (`@UseInterceptors(DelegatedCacheInterceptor)`) and as `APP_INTERCEPTOR`.
 */
@Injectable()
export class DelegatedCacheInterceptor implements NestInterceptor {
  /** Where a failing store is logged (the response is still the handler's). */
  protected readonly logger = new Logger('DelegatedCacheInterceptor');

  /** Reads the request's method and URL and sets the response headers, whatever the HTTP platform. */
  @Optional()
  @Inject(HttpAdapterHost)
  protected readonly httpAdapterHost?: HttpAdapterHost;

  /** The stores found, by name (`undefined`: the default store), each resolved once. */
  readonly #stores = new Map<StoreRef | undefined, DelegatedStore<string, unknown>>();

  constructor(
    /** Finds the store of a route (the default one, or a `DelegatedCacheStore` name). */
    protected readonly moduleRef: ModuleRef,
    /** Reads the route's `DelegatedCacheKey`, `DelegatedCacheTtl` and `DelegatedCacheStore` metadata. */
    protected readonly reflector: Reflector,
  ) {}

  intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    if (this.#method(request) !== 'GET' || isUncacheableRoute(context)) return next.handle();
    return this.#serve(context, next);
  }

  /**
   * The cache key of a request, or `undefined` to leave it uncached: `@DelegatedCacheKey` (of the route,
   * else of its controller) when set, else the method and the URL with its query parameters sorted.
   */
  protected trackBy(context: ExecutionContext): string | undefined | Promise<string | undefined> {
    const option = this.reflector.getAllAndOverride<DelegatedCacheKeyOption | undefined>(
      DELEGATED_CACHE_KEY_METADATA,
      [context.getHandler(), context.getClass()],
    );
    if (typeof option === 'string') return option;
    if (typeof option === 'function') return option(context);
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    return requestCacheKey(this.#method(request), this.#url(request));
  }

  /** Whether a handler's result may be cached: `undefined` and files are answered, never stored. */
  protected isCacheable(value: unknown): boolean {
    return value !== undefined && !(value instanceof StreamableFile);
  }

  async #serve(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const key = await this.trackBy(context);
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || key === '') throw invalidKeyError(describeRoute(context), key);
    const options = this.#options(context);
    const store = this.#store(context);
    const served: Served = { layer: undefined, stale: false };
    options.onServed = (layer: string | undefined, info: ServedInfo) => {
      served.layer = layer;
      served.stale = info.stale;
    };

    // The handler runs in the request's async context (AsyncLocalStorage), whichever caller's turn
    // it is in the store; its own failure is marked, so that it is told apart from the store's.
    const runHandler = AsyncResource.bind(() => lastValueFrom(next.handle(), { defaultValue: undefined }));
    let own: { value: unknown } | undefined;
    const load = async (): Promise<unknown> => {
      let value: unknown;
      try {
        value = await runHandler();
      } catch (error) {
        throw new RouteHandlerError(error);
      }
      own = { value };
      return this.isCacheable(value) ? value : undefined;
    };

    let value: unknown;
    try {
      value = await store.getOrLoad(key, load, options);
    } catch (error) {
      if (error instanceof RouteHandlerError) throw error.cause;
      this.logger.error(
        `the cache of route ${describeRoute(context)} failed, the handler answered instead: ${
          error instanceof Error ? error.message : String(error)
        }`,
        error instanceof Error ? error.stack : undefined,
      );
      this.#setHeaders(context, 'MISS', 'loader');
      return own === undefined ? next.handle() : of(own.value);
    }
    if (value === undefined) {
      // Nothing cacheable: this request's own result, or (it shared another request's run) its own run.
      this.#setHeaders(context, 'MISS', 'loader');
      return own === undefined ? next.handle() : of(own.value);
    }
    const status: CacheStatus = served.layer === 'loader' ? 'MISS' : served.stale ? 'STALE' : 'HIT';
    this.#setHeaders(context, status, served.layer ?? 'loader');
    return of(value);
  }

  #options(context: ExecutionContext): OperationOptions {
    const option = this.reflector.getAllAndOverride<DelegatedCacheTtlOption | undefined>(
      DELEGATED_CACHE_TTL_METADATA,
      [context.getHandler(), context.getClass()],
    );
    const ttl = typeof option === 'function' ? option(context) : option;
    if (ttl === undefined) return { cachesOnly: true };
    if (!isTtl(ttl)) throw invalidTtlError(describeRoute(context), ttl);
    return { cachesOnly: true, ttl };
  }

  /** The route's store, found once per name through Nest's DI, anywhere in the application. */
  #store(context: ExecutionContext): DelegatedStore<string, unknown> {
    const name = this.reflector.getAllAndOverride<StoreRef | undefined>(DELEGATED_CACHE_STORE_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    let store = this.#stores.get(name);
    if (store === undefined) {
      let found: unknown;
      try {
        found = this.moduleRef.get(getDelegatedStoreToken(name as string), { strict: false });
      } catch (error) {
        throw missingStoreError(name, describeRoute(context), error);
      }
      if (!(found instanceof DelegatedStore))
        throw missingStoreError(name, describeRoute(context), undefined);
      store = found as DelegatedStore<string, unknown>;
      this.#stores.set(name, store);
    }
    return store;
  }

  #method(request: HttpRequestLike): string {
    const adapter = this.httpAdapterHost?.httpAdapter;
    return (adapter ? adapter.getRequestMethod(request) : request.method) ?? '';
  }

  #url(request: HttpRequestLike): string {
    const adapter = this.httpAdapterHost?.httpAdapter;
    return (adapter ? adapter.getRequestUrl(request) : (request.originalUrl ?? request.url)) ?? '';
  }

  #setHeaders(context: ExecutionContext, status: CacheStatus, layer: string): void {
    const response = context.switchToHttp().getResponse<{ headersSent?: boolean; setHeader?: Function }>();
    if (response.headersSent) return;
    const adapter = this.httpAdapterHost?.httpAdapter;
    if (adapter) {
      adapter.setHeader(response, X_CACHE_HEADER, status);
      adapter.setHeader(response, X_CACHE_LAYER_HEADER, layer);
    } else if (typeof response.setHeader === 'function') {
      response.setHeader(X_CACHE_HEADER, status);
      response.setHeader(X_CACHE_LAYER_HEADER, layer);
    }
  }
}
