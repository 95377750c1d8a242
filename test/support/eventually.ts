import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `everyMs` until it passes, or fails with its last error after `within` ms; resolves
 * how long it took (ms), for tests that report a delivery time.
 */
export async function eventually(
  check: () => Promise<void> | void,
  within = 3000,
  everyMs = 20,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await check();
      return performance.now() - started;
    } catch (error) {
      if (performance.now() - started > within) throw error;
      await sleep(everyMs);
    }
  }
}
