import { Injectable } from '@nestjs/common';
import { InjectDelegatedStore, type DelegatedStore } from '../../../lib/index.js';
import { HTTP_CACHE_STORE } from './http-cache.constants.js';

/** What the writes of the application call to keep the cached responses right. */
@Injectable()
export class ResponseCache {
  constructor(
    @InjectDelegatedStore(HTTP_CACHE_STORE) private readonly store: DelegatedStore<string, unknown>,
  ) {}

  /**
   * Drops every cached response (the lists with any query, the stats), on this instance and, through the
   * bus, on the others. Fenced: a response computed before the write and still in flight is not cached.
   */
  async invalidateAll(): Promise<void> {
    await this.store.clear({ cachesOnly: true });
  }
}
