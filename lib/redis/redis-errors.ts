import { DelegatedStoreError } from '../core/errors.js';

/**
 * A command refused without being sent because the connection to Redis is down or being re-established.
 * It fails at once instead of queueing: a cache layer that is down should cost a miss, not a wait.
 */
export class RedisUnavailableError extends DelegatedStoreError {
  constructor(status: string, cause?: unknown) {
    super(
      'REDIS_UNAVAILABLE',
      `Redis is unavailable (connection ${status}); the command was not sent. The connection is retried in the background.`,
      { cause },
    );
  }
}

/**
 * ioredis errors carry the failed command with its arguments (`error.command.args`): the value of a SET,
 * the password of an AUTH. Keep the command's name only, so that an error handler that logs the whole
 * error object prints no value and no secret.
 */
export function redactCommand<E>(error: E): E {
  if (error !== null && typeof error === 'object' && 'command' in error) {
    const command = (error as { command: unknown }).command;
    const name =
      command !== null && typeof command === 'object' ? (command as { name?: unknown }).name : undefined;
    (error as { command: unknown }).command = { name };
  }
  return error;
}

/** `rethrow` for promise chains: the error, redacted. */
export function throwRedacted(error: unknown): never {
  throw redactCommand(error);
}

/** A URL fit for an error message: its password replaced. */
export function redactUrl(url: unknown): string {
  if (typeof url !== 'string') return url === null ? 'null' : typeof url;
  return JSON.stringify(url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@'));
}
