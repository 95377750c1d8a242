/**
 * Counts the calls of a layer store that have not settled yet, so that a test can wait until the store
 * is quiet before it inspects the layers: a write that timed out in the store may still be on its way.
 * Waiting for that is a latch, not a sleep.
 */
export class CallTracker {
  #inFlight = 0;
  #waiters: Array<() => void> = [];

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The same store, with every promise-returning method counted; other members pass through. */
  track<S extends object>(store: S): S {
    const counted = new Map<PropertyKey, unknown>();
    return new Proxy(store, {
      get: (target, property) => {
        const member: unknown = Reflect.get(target, property, target);
        if (typeof member !== 'function') return member;
        let wrapper = counted.get(property);
        if (wrapper === undefined) {
          const method = member as (...args: unknown[]) => unknown;
          wrapper = (...args: unknown[]) => {
            const result = method.apply(target, args);
            if (result instanceof Promise) {
              this.#inFlight++;
              result.then(this.#settled, this.#settled);
            }
            return result;
          };
          counted.set(property, wrapper);
        }
        return wrapper;
      },
    });
  }

  /** Resolves once no tracked call is in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  readonly #settled = (): void => {
    if (--this.#inFlight > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  };
}
