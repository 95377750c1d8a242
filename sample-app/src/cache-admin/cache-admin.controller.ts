import { Controller, Delete, HttpCode } from '@nestjs/common';
// A value import: the default store is injected by its class.
import { DelegatedStore, InjectDelegatedStore } from '../../../lib/index.js';
import { HTTP_CACHE_STORE } from '../http-cache/http-cache.constants.js';

/**
 * `DELETE /cache`: purges every cache layer of the user store and of the HTTP cache store, on this
 * instance and (through the invalidation bus) on the others. `clear({ cachesOnly: true })` never touches
 * the primary layer: the database keeps every row. (An admin route: protect it with a guard in a real
 * service.)
 */
@Controller('cache')
export class CacheAdminController {
  constructor(
    private readonly users: DelegatedStore<string, unknown>,
    @InjectDelegatedStore(HTTP_CACHE_STORE) private readonly responses: DelegatedStore<string, unknown>,
  ) {}

  @Delete()
  @HttpCode(204)
  async purge(): Promise<void> {
    await Promise.all([this.users.clear({ cachesOnly: true }), this.responses.clear({ cachesOnly: true })]);
  }
}
