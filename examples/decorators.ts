/**
 * The three method decorators on one service: default and explicit keys, condition and unless, a put,
 * evictions of one key, several keys, and every entry. The store is a named one with a memory layer.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DelegatedCached,
  DelegatedEvict,
  DelegatedPut,
  DelegatedStore,
  DelegatedStoreModule,
  MemoryStore,
  getDelegatedStoreToken,
} from 'nestjs-delegated-store';

interface Article {
  id: string;
  title: string;
}
interface Search {
  text: string;
  page: number;
}

@Injectable()
export class ArticlesService {
  readonly articles = new Map<string, Article>([['a1', { id: 'a1', title: 'Caching, layered' }]]);
  readonly calls: string[] = [];

  /** Default key: `ArticlesService.find:["a1"]`. null (not found) is cached too. */
  @DelegatedCached({ store: 'cache', ttl: 60_000 })
  async find(id: string): Promise<Article | null> {
    this.calls.push(`find ${id}`);
    return this.articles.get(id) ?? null;
  }

  /** Deep pages bypass the cache; empty results are returned but not kept. */
  @DelegatedCached({
    store: 'cache',
    key: (search) => `search:${search.text}:${search.page}`,
    condition: (search) => search.page <= 3,
    unless: (results) => results.length === 0,
  })
  async search(search: Search): Promise<Article[]> {
    this.calls.push(`search ${search.text} ${search.page}`);
    return [...this.articles.values()].filter((article) => article.title.includes(search.text));
  }

  /** Its result replaces the cached entry of `title(id)`: the next read needs no call. */
  @DelegatedPut({ store: 'cache', key: (id) => `title:${id}` })
  async rename(id: string, title: string): Promise<string> {
    this.articles.set(id, { id, title });
    return title;
  }

  @DelegatedCached({ store: 'cache', key: (id) => `title:${id}` })
  async title(id: string): Promise<string | undefined> {
    this.calls.push(`title ${id}`);
    return this.articles.get(id)?.title;
  }

  /** Evicts the article and its title once the method resolved. */
  @DelegatedEvict({
    store: 'cache',
    keys: (id) => [`ArticlesService.find:${JSON.stringify([id])}`, `title:${id}`],
  })
  async remove(id: string): Promise<void> {
    this.articles.delete(id);
  }

  /** Evicts every entry of the store's cache layers. */
  @DelegatedEvict({ store: 'cache', allEntries: true })
  async reindex(): Promise<void> {}
}

@Module({
  imports: [
    DelegatedStoreModule.forRoot({
      name: 'cache',
      layers: [{ name: 'memory', store: new MemoryStore(), ttl: 60_000 }],
    }),
  ],
  providers: [ArticlesService],
})
export class AppModule {}

export async function decorators() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const articles = app.get(ArticlesService);
  const cache = app.get<DelegatedStore<string, unknown>>(getDelegatedStoreToken('cache'));

  await articles.find('a1');
  await articles.find('a1'); // cached
  await articles.find('zz');
  await articles.find('zz'); // null is cached too
  await articles.search({ text: 'Caching', page: 1 });
  await articles.search({ text: 'Caching', page: 1 }); // cached
  await articles.search({ text: 'Caching', page: 9 }); // condition false: bypassed
  await articles.search({ text: 'Nothing', page: 1 });
  await articles.search({ text: 'Nothing', page: 1 }); // unless: the empty result was not kept
  await articles.rename('a1', 'Caching, in layers'); // put: title:a1 written
  const renamed = await articles.title('a1'); // from the cache, no call
  const found = await cache.has('ArticlesService.find:["a1"]'); // true: the default key
  await articles.remove('a1');
  const foundAfterRemove = await cache.has('ArticlesService.find:["a1"]'); // false
  const searched = await cache.has('search:Caching:1'); // true
  await articles.reindex();
  const searchedAfterReindex = await cache.has('search:Caching:1'); // false

  const calls = [...articles.calls];
  await app.close();
  return { calls, renamed, found, foundAfterRemove, searched, searchedAfterReindex };
}
