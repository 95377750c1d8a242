import type { Redis } from 'ioredis';

/** The arguments of one SET: `[key, text]`, or `[key, text, 'PX', ttl]` for an entry with a ttl. */
export type SetCommand = [name: string, text: string] | [name: string, text: string, px: 'PX', ttl: number];

/** The keys of a batch write that may not have been written, and why. */
export interface WriteFailure {
  names: string[];
  error: unknown;
}

/**
 * The multi-key commands of a RedisStore, which a single Redis runs as one command each and a Redis
 * Cluster must split by hash slot. Batch writes resolve the keys in doubt instead of rejecting, so
 * that the store can protect exactly those.
 */
export interface KeyCommands {
  /** Raw texts in order, `null` for a miss; rejects when any part failed. */
  mget(names: readonly string[]): Promise<Array<string | null>>;
  setMany(commands: readonly SetCommand[]): Promise<WriteFailure | undefined>;
  /** DEL, or UNLINK (the memory is freed in the background). */
  deleteMany(names: readonly string[], command?: 'del' | 'unlink'): Promise<WriteFailure | undefined>;
  /**
   * Every key matching `pattern`, in batches (with possible repeats, as SCAN gives them), from every
   * master. A master that fails ends the scan with its error; with `onError`, the error is handed to it
   * and the scan goes on with the next master (a clear then empties what it can reach).
   */
  scan(pattern: string, count: number, onError?: (error: unknown) => void): AsyncIterable<string[]>;
}

/** One Redis: MGET, one MULTI, one DEL, one SCAN loop. */
export class SingleNodeCommands implements KeyCommands {
  constructor(
    private readonly client: Redis,
    /** ioredis's own `keyPrefix` option, which it adds to keys but not to a SCAN pattern. */
    private readonly keyPrefix = '',
  ) {}

  mget(names: readonly string[]): Promise<Array<string | null>> {
    return this.client.mget(names as string[]);
  }

  /** One MULTI: on a Redis error, every key is in doubt. */
  async setMany(commands: readonly SetCommand[]): Promise<WriteFailure | undefined> {
    const names = commands.map((args) => args[0]);
    try {
      const results = await this.client.multi(commands.map((args) => ['set', ...args])).exec();
      if (results === null)
        return { names, error: new Error('RedisStore.setMany: the transaction was aborted') };
      const failed = results.find(([error]) => error !== null);
      return failed ? { names, error: failed[0] } : undefined;
    } catch (error) {
      return { names, error };
    }
  }

  async deleteMany(
    names: readonly string[],
    command: 'del' | 'unlink' = 'del',
  ): Promise<WriteFailure | undefined> {
    try {
      await this.client[command](...names);
      return undefined;
    } catch (error) {
      return { names: [...names], error };
    }
  }

  async *scan(pattern: string, count: number, onError?: (error: unknown) => void): AsyncIterable<string[]> {
    try {
      yield* scanNode(this.client, pattern, count, this.keyPrefix);
    } catch (error) {
      if (onError === undefined) throw error;
      onError(error);
    }
  }
}

/**
 * A SCAN loop over one server. ioredis adds its `keyPrefix` option to key arguments but not to a MATCH
 * pattern: it is added to the pattern here and taken off the names found, which are then as the store
 * sends them.
 */
export async function* scanNode(
  client: Redis,
  pattern: string,
  count: number,
  keyPrefix: string,
): AsyncIterable<string[]> {
  let cursor = '0';
  const match = escapeGlob(keyPrefix) + pattern;
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', match, 'COUNT', count);
    if (found.length > 0) yield keyPrefix === '' ? found : found.map((name) => name.slice(keyPrefix.length));
    cursor = next;
  } while (cursor !== '0');
}

/** A literal for a SCAN MATCH pattern. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
