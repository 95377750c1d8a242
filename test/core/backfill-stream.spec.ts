import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { filter, map } from 'rxjs';
import { DelegatedStore, withErrorHandler, type StoreErrorSource } from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

/** Errors that RxJS would report as uncaught (it rethrows them from a timer; jest fails the test on them too). */
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => void uncaught.push(error);

beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
});

/** Lets RxJS's error-reporting timers run. */
const ticks = () => new Promise((resolve) => setTimeout(resolve, 5));

function setup() {
  const errors: Array<[unknown, StoreErrorSource]> = [];
  const l0 = new TestStore<string>();
  const db = new TestStore<string>({ a: '1', b: '2' });
  const store = new DelegatedStore<string, string>(
    [{ store: l0 }, { store: db, primary: true }],
    withErrorHandler((error, source) => void errors.push([error, source])),
  );
  return { store, errors };
}

describe('backFill$ cannot take the process down', () => {
  it('a subscriber that throws is reported to the error handlers, and keeps receiving events', async () => {
    const { store, errors } = setup();
    const received: string[] = [];
    const thrown = new Error('subscriber bug');
    store.backFill$.subscribe((event) => {
      received.push(event.key);
      throw thrown;
    });
    await store.get('a');
    await store.get('b');
    await store.drain();
    await ticks();
    expect(received).toEqual(['a', 'b']);
    expect(uncaught).toEqual([]);
    expect(errors).toEqual([
      [thrown, { kind: 'subscriber' }],
      [thrown, { kind: 'subscriber' }],
    ]);
  });

  it('an observer object that throws from next or complete is contained too', async () => {
    const { store, errors } = setup();
    store.backFill$.subscribe({
      next: () => {
        throw new Error('next bug');
      },
      complete: () => {
        throw new Error('complete bug');
      },
    });
    await store.get('a');
    await store.close();
    await ticks();
    expect(uncaught).toEqual([]);
    expect(errors.map(([error]) => (error as Error).message)).toEqual(['next bug', 'complete bug']);
  });

  it('piped operators keep the protection: a throwing subscriber after pipe is reported', async () => {
    const { store, errors } = setup();
    const keys: string[] = [];
    store.backFill$
      .pipe(
        filter((event) => event.layerIndex === 0),
        map((event) => event.key),
      )
      .subscribe((key) => {
        keys.push(key);
        throw new Error(`bad ${key}`);
      });
    await store.get('a');
    await store.get('b');
    await store.drain();
    await ticks();
    expect(keys).toEqual(['a', 'b']);
    expect(uncaught).toEqual([]);
    expect(errors.map(([error]) => (error as Error).message)).toEqual(['bad a', 'bad b']);
  });

  it('an operator that throws ends that subscription, reported unless it has an error handler', async () => {
    const { store, errors } = setup();
    const handled: unknown[] = [];
    store.backFill$
      .pipe(
        map(() => {
          throw new Error('operator bug');
        }),
      )
      .subscribe({ next: () => {}, error: (error) => handled.push(error) });
    store.backFill$
      .pipe(
        map(() => {
          throw new Error('unhandled operator bug');
        }),
      )
      .subscribe(() => {});
    await store.get('a');
    await store.drain();
    await ticks();
    expect(uncaught).toEqual([]);
    expect(handled.map((error) => (error as Error).message)).toEqual(['operator bug']);
    expect(errors.map(([error]) => (error as Error).message)).toEqual(['unhandled operator bug']);
  });

  it('the backfill and the caller are unaffected by a throwing subscriber', async () => {
    const { store } = setup();
    store.backFill$.subscribe(() => {
      throw new Error('bug');
    });
    expect(await store.get('a')).toBe('1');
    await store.drain();
    expect(store.stats().layers[0].backFills).toBe(1);
    expect(await store.get('a')).toBe('1');
  });

  it('emits no event object when nobody subscribes', async () => {
    const { store } = setup();
    await store.get('a');
    await store.drain();
    await flush();
    expect(store.stats().layers[0].backFills).toBe(1);
  });
});
