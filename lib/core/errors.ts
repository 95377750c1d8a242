/** Every error the store throws on purpose carries a stable `code`, so callers can branch without `instanceof`. */
export class DelegatedStoreError extends Error {
  /** A stable identifier of the kind of error, e.g. `LAYER_TIMEOUT`: branch on it, not on the message. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A miss reported by rejection: a layer may reject with it instead of resolving `undefined`. */
export class NotFoundError extends DelegatedStoreError {
  constructor(message = 'not found', options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

/** An invalid configuration, thrown synchronously where the configuration is given. */
export class ConfigurationError extends DelegatedStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIGURATION', message, options);
  }
}

/** Every operation rejects with it once `close()` was called. */
export class StoreClosedError extends DelegatedStoreError {
  constructor(message = 'the store is closed: no operation is accepted after close()') {
    super('STORE_CLOSED', message);
  }
}

/** A layer that did not answer within its `timeout`. */
export class LayerTimeoutError extends DelegatedStoreError {
  /** The layer that did not answer. */
  readonly layerName: string;
  /** The layer's `timeout`, in milliseconds. */
  readonly timeout: number;

  constructor(layerName: string, timeout: number) {
    super('LAYER_TIMEOUT', `layer "${layerName}" did not answer within its timeout of ${timeout} ms`);
    this.layerName = layerName;
    this.timeout = timeout;
  }
}

/** A write that no layer accepted (a store without a primary layer). */
export class WriteFailedError extends DelegatedStoreError {
  /** The error of each layer that failed, in layer order (the first is also the `cause`). */
  readonly errors: unknown[];

  constructor(message: string, errors: unknown[]) {
    super('WRITE_FAILED', message, { cause: errors[0] });
    this.errors = errors;
  }
}

/**
 * A value as an error message quotes it, with its type when that is the problem: `"60000" (string)`,
 * `NaN`, `null`, `an object`. So a ttl read from the environment says it got a string.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)} (string)`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${String(value)}n`;
    case 'symbol':
      return `${String(value)} (symbol)`;
    case 'function':
      return `the function ${(value as Function).name || '(anonymous)'}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
}
