import type { Middleware, Operation } from './operation.js';

/** Where loggingMiddleware writes: `console`, Nest's `Logger`, pino... (`error` is used for failures when present). */
export interface OperationLogger {
  /** Receives the start line and the end line of each operation (and its failure when `error` is missing). */
  log(message: string): void;
  /** Receives the end line of an operation that failed, when present. */
  error?(message: string): void;
}

const MAX_KEY_TEXT = 120;
const MAX_KEYS_LISTED = 5;

/**
 * One line when an operation starts and one when it ends, naming the operation, the key and the outcome:
 * `ok`, `miss`, or the error's message. Never the value (it may be personal data).
 *
 * ```text
 * delegated-store get user:1 ...
 * delegated-store get user:1 miss (0.8 ms)
 * ```
 */
export function loggingMiddleware<K, V>(logger: OperationLogger = console): Middleware<K, V> {
  if (logger === null || typeof logger !== 'object' || typeof logger.log !== 'function') {
    throw new TypeError('loggingMiddleware: the logger must have a log(message) method, such as console');
  }
  return (next) => async (ctx, key, value) => {
    const subject = describeOperation(ctx.operation, key);
    logger.log(`delegated-store ${subject} ...`);
    const started = performance.now();
    try {
      const result = await next(ctx, key, value);
      logger.log(`delegated-store ${subject} ${outcome(ctx.operation, result)} (${elapsed(started)})`);
      return result;
    } catch (error) {
      const message = `delegated-store ${subject} failed: ${errorMessage(error)} (${elapsed(started)})`;
      if (typeof logger.error === 'function') logger.error(message);
      else logger.log(message);
      throw error;
    }
  };
}

function describeOperation(operation: Operation, key: unknown): string {
  if (operation === 'clear' || operation === 'keys') return operation;
  return `${operation} ${describeKey(key)}`;
}

function describeKey(key: unknown): string {
  let text: string;
  if (Array.isArray(key)) {
    const listed = key.slice(0, MAX_KEYS_LISTED).map(keyText).join(', ');
    text = `[${listed}${key.length > MAX_KEYS_LISTED ? `, … +${key.length - MAX_KEYS_LISTED}` : ''}]`;
  } else {
    text = keyText(key);
  }
  return text.length > MAX_KEY_TEXT ? `${text.slice(0, MAX_KEY_TEXT - 1)}…` : text;
}

function keyText(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key !== 'object' || key === null) return String(key);
  try {
    return JSON.stringify(key) ?? String(key);
  } catch {
    return String(key);
  }
}

function outcome(operation: Operation, result: unknown): string {
  switch (operation) {
    case 'get':
    case 'getOrLoad':
      return result === undefined ? 'miss' : 'ok';
    case 'has':
      return result === true ? 'ok' : 'miss';
    case 'getMany': {
      if (!Array.isArray(result)) return 'ok';
      const found = result.filter((item) => item !== undefined).length;
      return `ok (${found} of ${result.length} found)`;
    }
    default:
      return 'ok';
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function elapsed(started: number): string {
  return `${(performance.now() - started).toFixed(1)} ms`;
}
