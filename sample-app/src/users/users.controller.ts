import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res, UseInterceptors } from '@nestjs/common';
import { TimingInterceptor } from '../metrics/timing.interceptor.js';
// Value imports: the body's class drives the ValidationPipe, the service is injected by its class.
import { UserBody } from './user.body.js';
import { UserIdPipe } from './user-id.pipe.js';
import type { UserSummary } from './user-summary.js';
import type { UserView } from './user-views.js';
import type { User } from './user.js';
import { UsersService, type ServedBy } from './users.service.js';

interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/** The layer that answered, in a response header: `x-cache-layer: memory | redis | database | loader`. */
function cacheLayerHeader(response: HeaderSink): ServedBy {
  return (layer) => {
    if (layer !== undefined) response.setHeader('x-cache-layer', layer);
  };
}

@Controller('users')
@UseInterceptors(TimingInterceptor)
export class UsersController {
  constructor(private readonly users: UsersService) {}

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
