import { expect, it } from '@jest/globals';
import { createRequire } from 'node:module';

/** Which ioredis the suites run against: IOREDIS=6 maps `ioredis` to the ioredis6 devDependency. */
it('runs against the ioredis major that IOREDIS asks for (5 by default)', async () => {
  const require = createRequire(import.meta.url);
  const wanted = process.env.IOREDIS === '6' ? '6' : '5';
  const { version } = require(`${wanted === '6' ? 'ioredis6' : 'ioredis'}/package.json`) as {
    version: string;
  };
  expect(version.split('.')[0]).toBe(wanted);
  // The module the code under test gets is that one: ioredis 6 speaks RESP3 by default.
  const { Redis } = await import('ioredis');
  const client = new Redis({ lazyConnect: true });
  expect((client.options as { protocol?: number }).protocol ?? 2).toBe(wanted === '6' ? 3 : 2);
  client.disconnect();
});
