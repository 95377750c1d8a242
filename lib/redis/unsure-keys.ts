import { escapeGlob, type KeyCommands } from './key-commands.js';

/** Past this many keys, a RedisStore with a prefix clears its whole namespace on repair instead. */
const MAX_UNSURE_KEYS = 100_000;
const DELETE_CHUNK = 1000;

/**
 * Keys whose last write failed or was refused, so that Redis may still hold an old value for them (the
 * core's cleanup delete may have failed too). Until a later write of the key succeeds or the repair has
 * deleted it, a read of such a key is a miss: on a Redis Cluster, one master can be down (or fail over)
 * while the client stays connected to the others, so the connection's state cannot protect them.
 *
 * Each mark carries the time (a counter) it was made, so that only a write or a repair sent after the
 * failure was seen clears it: one sent before could be overtaken by the write in doubt.
 */
export class UnsureKeys {
  readonly #marks = new Map<string, number>();
  #clock = 0;
  #overflowed = false;

  constructor(
    /** `<prefix>:` or ''; without a prefix an overflow cannot be repaired, only bounded. */
    readonly namespace: string,
  ) {}

  /** How many keys are marked, or 1 after an overflow (when every key counts as unsure). */
  get size(): number {
    return this.#overflowed && this.namespace !== '' ? this.#marks.size + 1 : this.#marks.size;
  }

  /** The current time, to pass to `confirm` for a write sent now. */
  get now(): number {
    return this.#clock;
  }

  /** Whether a read of `name` must be a miss. */
  has(name: string): boolean {
    // After an overflow, a namespace that can be cleared counts as unsure as a whole until it was.
    return (
      this.#marks.has(name) || (this.#overflowed && this.namespace !== '' && name.startsWith(this.namespace))
    );
  }

  addAll(names: readonly string[]): void {
    const at = ++this.#clock;
    for (const name of names) {
      if (this.#marks.size < MAX_UNSURE_KEYS || this.#marks.has(name)) this.#marks.set(name, at);
      else this.#overflowed = true;
    }
  }

  /** A write of `names` sent at `sentAt` succeeded: it overwrote whatever the failed writes left. */
  confirm(names: readonly string[], sentAt: number): void {
    for (const name of names) {
      const at = this.#marks.get(name);
      if (at !== undefined && at <= sentAt) this.#marks.delete(name);
    }
  }

  /**
   * Deletes the marked keys from Redis (or, after an overflow, the whole namespace), and clears the
   * marks of those deleted. Rejects when some could not be deleted; they stay marked for the next try.
   */
  async repair(commands: KeyCommands): Promise<void> {
    const sentAt = this.#clock;
    if (this.#overflowed && this.namespace !== '') {
      await clearNamespace(commands, this.namespace);
      this.#overflowed = false;
      this.confirm([...this.#marks.keys()], sentAt);
      return;
    }
    this.#overflowed = false;
    const names = [...this.#marks.keys()];
    let firstError: unknown;
    for (let i = 0; i < names.length; i += DELETE_CHUNK) {
      const chunk = names.slice(i, i + DELETE_CHUNK);
      const failure = await commands.deleteMany(chunk);
      if (failure === undefined) {
        this.confirm(chunk, sentAt);
        continue;
      }
      firstError ??= failure.error;
      const failed = new Set(failure.names);
      this.confirm(
        chunk.filter((name) => !failed.has(name)),
        sentAt,
      );
    }
    if (firstError !== undefined) throw firstError;
  }
}

/**
 * Every key under `namespace`, by SCAN (of every master of a cluster) and UNLINK; never KEYS or FLUSHDB.
 * Rejects once every master was tried when some part failed.
 */
export async function clearNamespace(commands: KeyCommands, namespace: string): Promise<void> {
  const pattern = `${escapeGlob(namespace)}*`;
  let firstError: unknown;
  const failed = (error: unknown) => void (firstError ??= error);
  // A master that cannot be scanned (or a batch that cannot be deleted) does not stop the others.
  for await (const names of commands.scan(pattern, DELETE_CHUNK, failed)) {
    const failure = await commands.deleteMany(names, 'unlink');
    if (failure !== undefined) failed(failure.error);
  }
  if (firstError !== undefined) throw firstError;
}
