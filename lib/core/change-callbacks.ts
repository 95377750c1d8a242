import type { OperationContext } from './operation.js';
import type { StoreErrorSource } from './options.js';

/** Called after a `set` or `getSet` replaced a value: `(ctx, key, oldValue, newValue)`. */
export type ChangeCallback<K, V> = (
  ctx: OperationContext,
  key: K,
  oldValue: V,
  newValue: V,
) => void | Promise<void>;

/** Called after a `delete` removed a value: `(ctx, key, oldValue)`. */
export type DeleteCallback<K, V> = (ctx: OperationContext, key: K, oldValue: V) => void | Promise<void>;

/**
 * The change callbacks of a store (`withOnChange`, `withOnDelete`). A write reads the key's old value only
 * when callbacks of its kind exist; a callback that throws or rejects goes to the error handlers and never
 * fails the write, which has already happened.
 */
export class ChangeCallbacks<K, V> {
  constructor(
    readonly onChange: ChangeCallback<K, V>[],
    readonly onDelete: DeleteCallback<K, V>[],
    readonly reportError: (error: unknown, source: StoreErrorSource) => void,
  ) {}

  /** Whether a write of this kind needs the old value. */
  watched(deleting: boolean): boolean {
    return deleting ? this.onDelete.length > 0 : this.onChange.length > 0;
  }

  /** After the write resolved: `onChange` for a new value, `onDelete` for a delete (value undefined). */
  report(ctx: OperationContext, key: K, oldValue: V, newValue: V | undefined): void {
    if (newValue === undefined) {
      for (const callback of this.onDelete) this.#call('onDelete', ctx, () => callback(ctx, key, oldValue));
    } else {
      for (const callback of this.onChange) {
        this.#call('onChange', ctx, () => callback(ctx, key, oldValue, newValue));
      }
    }
  }

  #call(callback: 'onChange' | 'onDelete', ctx: OperationContext, run: () => void | Promise<void>): void {
    const failed = (error: unknown) =>
      this.reportError(error, { kind: 'callback', callback, operation: ctx.operation });
    try {
      const result = run();
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, failed);
      }
    } catch (error) {
      failed(error);
    }
  }
}
