import { CacheInterceptor, CacheTTL } from '@nestjs/cache-manager';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Put,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { DelegatedCacheInterceptor, DelegatedCacheStore, DelegatedCacheTtl } from '../../../lib/index.js';
import { HTTP_CACHE_STORE } from '../http-cache/http-cache.constants.js';
import { TimingInterceptor } from '../metrics/timing.interceptor.js';
// Value imports: the body's class drives the ValidationPipe, the service is injected by its class.
import { UserBody } from './user.body.js';
import { UserIdPipe } from './user-id.pipe.js';
import { UserListQuery } from './user-list.query.js';
import type { UserStats } from './user-stats.js';
import type { UserSummary } from './user-summary.js';
import type { UserView } from './user-views.js';
import type { User } from './user.js';
import { UsersService, type ServedBy } from './users.service.js';

interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/**
 * The layer that answered, in a response header: `x-cache-layer: memory | redis | database | loader`,
 * with `; stale` when the value was past its ttl (served within grace while it is refreshed).
 */
function cacheLayerHeader(response: HeaderSink): ServedBy {
  return (layer, { stale }) => {
    if (layer !== undefined) response.setHeader('x-cache-layer', stale ? `${layer}; stale` : layer);
  };
}

@Controller('users')
@UseInterceptors(TimingInterceptor)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /**
   * A page of users, cached by DelegatedCacheInterceptor in the HTTP cache store under the method and
   * the URL (`GET /users?limit=10&offset=0`, query sorted); a write of a user clears that store.
   */
  @Get()
  @UseInterceptors(DelegatedCacheInterceptor)
  @DelegatedCacheStore(HTTP_CACHE_STORE)
  @DelegatedCacheTtl(30_000)
  list(@Query() query: UserListQuery): Promise<User[]> {
    return this.users.list(query.limit, query.offset);
  }

  /**
   * Users per role, cached by @nestjs/cache-manager's CacheInterceptor: CACHE_MANAGER is a Keyv over the
   * same HTTP cache store (see http-cache/), so the same write clears it. Declared before `:id`.
   */
  @Get('stats')
  @UseInterceptors(CacheInterceptor)
  @CacheTTL(30_000)
  stats(): Promise<UserStats> {
    return this.users.stats();
  }

  @Get(':id')
  findOne(
    @Param('id', UserIdPipe) id: string,
    @Res({ passthrough: true }) response: HeaderSink,
  ): Promise<User> {
    return this.users.findOne(id, cacheLayerHeader(response));
  }

  @Get(':id/summary')
  summary(@Param('id', UserIdPipe) id: string): Promise<UserSummary> {
    return this.users.summary(id);
  }

  @Get(':id/profile')
  profile(
    @Param('id', UserIdPipe) id: string,
    @Res({ passthrough: true }) response: HeaderSink,
  ): Promise<UserView> {
    return this.users.view(id, 'profile', cacheLayerHeader(response));
  }

  @Get(':id/settings')
  settings(
    @Param('id', UserIdPipe) id: string,
    @Res({ passthrough: true }) response: HeaderSink,
  ): Promise<UserView> {
    return this.users.view(id, 'settings', cacheLayerHeader(response));
  }

  @Get(':id/permissions')
  permissions(
    @Param('id', UserIdPipe) id: string,
    @Res({ passthrough: true }) response: HeaderSink,
  ): Promise<UserView> {
    return this.users.view(id, 'permissions', cacheLayerHeader(response));
  }

  @Put(':id')
  save(@Param('id', UserIdPipe) id: string, @Body() body: UserBody): Promise<User> {
    return this.users.save(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', UserIdPipe) id: string): Promise<void> {
    return this.users.remove(id);
  }
}
