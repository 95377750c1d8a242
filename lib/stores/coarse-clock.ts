let cached = 0;

function forget(): void {
  cached = 0;
}

/**
 * `Date.now()`, read at most once a millisecond: the first call reads the clock and keeps the reading
 * until a 1 ms timer (unref'd: it never keeps the process alive) forgets it. Reading the clock on every
 * hit of an in-process cache would more than double the cost of a hit (`bench/l1-micro.mjs`). The
 * reading can be late by about a millisecond, and by longer while the event loop runs no timer (a loop
 * of microtasks only).
 */
export function coarseNow(): number {
  if (cached !== 0) return cached;
  cached = Date.now();
  setTimeout(forget, 1).unref();
  return cached;
}
