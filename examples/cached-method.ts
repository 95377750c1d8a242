import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DelegatedCached,
  DelegatedEvict,
  DelegatedStoreClass,
  MemoryStore,
  type Store,
} from 'nestjs-delegated-store';

interface Product {
  id: string;
  sku: string;
  name: string;
}

/** The products table: rows by `product:<id>`, and a slow query by SKU. */
@Injectable()
export class ProductTable implements Store<string, Product> {
  readonly rows = new Map<string, Product>([['product:1', { id: '1', sku: 'TEA-01', name: 'Green tea' }]]);
  queries = 0;
  async get(key: string) {
    return this.rows.get(key);
  }
  async set(key: string, value: Product) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
  async findBySku(sku: string): Promise<Product | undefined> {
    this.queries++;
    return [...this.rows.values()].find((product) => product.sku === sku);
  }
}

@Module({ providers: [ProductTable], exports: [ProductTable] })
export class DatabaseModule {}

export class ProductsStore extends DelegatedStoreClass<string, Product>() {}

@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsStore,
    private readonly table: ProductTable,
  ) {}

  /** Cached in the memory layer for 30 s under `sku:<sku>`; concurrent calls share one query. */
  @DelegatedCached({ store: ProductsStore, key: (sku) => `sku:${sku}`, ttl: 30_000 })
  async findBySku(sku: string): Promise<Product | undefined> {
    return this.table.findBySku(sku); // undefined (no such product) is never cached
  }

  /** Writes the row through the store, then evicts the cached query (from the caches only). */
  @DelegatedEvict({ store: ProductsStore, key: (product) => `sku:${product.sku}` })
  async save(product: Product): Promise<void> {
    await this.products.set(`product:${product.id}`, product);
  }
}

@Module({
  imports: [
    ProductsStore.forRootAsync({
      imports: [DatabaseModule], // also makes the store close before the table on shutdown
      inject: [ProductTable],
      useFactory: (table: ProductTable) => ({
        layers: [
          { name: 'memory', store: new MemoryStore(), ttl: 60_000 },
          { name: 'database', store: table, primary: true },
        ],
      }),
    }),
    DatabaseModule,
  ],
  providers: [ProductsService],
})
export class AppModule {}

export async function cachedMethod() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const products = app.get(ProductsService);
  const table = app.get(ProductTable);
  const found = await Promise.all([products.findBySku('TEA-01'), products.findBySku('TEA-01')]); // 1 query
  await products.save({ id: '1', sku: 'TEA-01', name: 'Sencha' }); // the row, then the eviction
  const renamed = await products.findBySku('TEA-01'); // a second query: Sencha
  const result = { found, renamed, queries: table.queries, rows: [...table.rows.keys()] };
  await app.close();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await cachedMethod());
}
