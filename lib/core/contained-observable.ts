import { Observable, Subscriber, type Observer, type Operator, type Subscription } from 'rxjs';

/**
 * An Observable whose subscribers cannot take the process down. RxJS reports an error thrown by a
 * subscriber's `next` (or an error notification nobody handles) as an uncaught exception; here it goes to
 * `report` instead and the subscription goes on. Operators keep the protection (`lift` makes the piped
 * Observable contained too), so `backFill$.pipe(map(f)).subscribe(g)` is safe as well: an error thrown by
 * `g` is reported, an error thrown by `f` ends that subscription and is reported unless it has an error
 * handler. What cannot be contained: subscribers of another Observable or Subject that the events are
 * forwarded into (`backFill$.subscribe(subject)`, `merge(backFill$, other)`): those are RxJS's own.
 */
export class ContainedObservable<T> extends Observable<T> {
  readonly #report: (error: unknown) => void;

  constructor(report: (error: unknown) => void, subscribe?: (subscriber: Subscriber<T>) => unknown) {
    super(subscribe as ((this: Observable<T>, subscriber: Subscriber<T>) => void) | undefined);
    this.#report = report;
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new ContainedObservable<R>(this.#report);
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // A Subscriber comes from an operator or from RxJS itself (firstValueFrom): it is not user code.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || observerOrNext == null
        ? {
            next: observerOrNext ?? undefined,
            error: error ?? undefined,
            complete: complete ?? undefined,
          }
        : observerOrNext;
    const report = this.#report;
    return super.subscribe({
      next(value) {
        if (observer.next === undefined) return;
        try {
          observer.next(value);
        } catch (thrown) {
          report(thrown);
        }
      },
      error(failure: unknown) {
        if (observer.error === undefined) return report(failure);
        try {
          observer.error(failure);
        } catch (thrown) {
          report(thrown);
        }
      },
      complete() {
        try {
          observer.complete?.();
        } catch (thrown) {
          report(thrown);
        }
      },
    });
  }
}
