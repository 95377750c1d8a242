import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Param,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import request from 'supertest';
import { map, type Observable } from 'rxjs';
import { DelegatedCached, DelegatedEvict } from '../../../lib/index.js';
import { compile, RecordingStore, storeModule } from './fixtures.js';

const ROLE = 'role';

/** Wraps the response in the `role` metadata of the handler, which it reads through the Reflector. */
@Injectable()
class RoleInterceptor implements NestInterceptor {
  // An explicit token: the type alone is erased by isolatedModules' type-only import rules.
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const role = this.reflector.get<string>(ROLE, context.getHandler());
    return next.handle().pipe(map((body) => ({ role, body })));
  }
}

@Controller('books')
class BooksController {
  calls = 0;

  // Ours below: @Get, @SetMetadata and @UseInterceptors write on the wrapper.
  @Get('above/:id')
  @SetMetadata(ROLE, 'reader')
  @UseInterceptors(RoleInterceptor)
  @DelegatedCached()
  async above(@Param('id') id: string): Promise<string> {
    this.calls++;
    return `book ${id}`;
  }

  // Ours above: they wrote on the original, which the wrapper copies.
  @DelegatedCached()
  @Get('below/:id')
  @SetMetadata(ROLE, 'editor')
  @UseInterceptors(RoleInterceptor)
  async below(@Param('id') id: string): Promise<string> {
    this.calls++;
    return `book ${id}`;
  }

  @DelegatedEvict({ key: 'x' })
  @Get('evict')
  async evict(): Promise<string> {
    return 'evicted';
  }
}

class Plain {
  @DelegatedCached()
  async twoArgs(_a: string, _b: number): Promise<void> {}

  @DelegatedEvict({ key: 'k' })
  async oneArg(_a: string): Promise<void> {}
}

describe('decorated methods keep what other decorators and callers rely on', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(): Promise<{ controller: BooksController; memory: RecordingStore }> {
    const memory = new RecordingStore();
    const moduleRef = await compile({
      stores: [storeModule(memory)],
      controllers: [BooksController],
    });
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { controller: app.get(BooksController), memory };
  }

  it.each(['above', 'below'])(
    'routes, intercepts and caches over HTTP with the decorators %s ours',
    async (route) => {
      const { controller, memory } = await start();
      const role = route === 'above' ? 'reader' : 'editor';
      for (let i = 0; i < 2; i++) {
        const response = await request(app!.getHttpServer()).get(`/books/${route}/7`).expect(200);
        expect(response.body).toEqual({ role, body: `book 7` });
      }
      expect(controller.calls).toBe(1);
      expect(memory.data.get(`BooksController.${route}:["7"]`)).toBe('book 7');
    },
  );

  it('routes a method under @DelegatedEvict', async () => {
    const { memory } = await start();
    const response = await request(app!.getHttpServer()).get('/books/evict').expect(200);
    expect(response.text).toBe('evicted');
    expect(memory.deletes).toEqual(['x']);
  });

  it('keeps the name and length of the method', () => {
    expect(Plain.prototype.twoArgs.name).toBe('twoArgs');
    expect(Plain.prototype.twoArgs.length).toBe(2);
    expect(Plain.prototype.oneArg.name).toBe('oneArg');
    expect(Plain.prototype.oneArg.length).toBe(1);
  });

  it('keeps the design-time types that Nest reads for parameters', () => {
    expect(Reflect.getMetadata('design:paramtypes', Plain.prototype, 'twoArgs')).toEqual([String, Number]);
  });
});
