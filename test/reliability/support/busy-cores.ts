import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Threads that spin, to keep the machine's cores busy while a test runs: the contention of a loaded CI
 * machine, on purpose. They are threads of this process, so they end with it whatever happens to the
 * test; `stop()` ends them earlier. `count` defaults to one per core.
 */
export class BusyCores {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  static start(count = availableParallelism()): BusyCores {
    const workers = Array.from({ length: count }, () => {
      const worker = new Worker('for (;;) {}', { eval: true });
      worker.unref();
      worker.on('error', () => {}); // terminate() interrupts the loop; nothing else can fail
      return worker;
    });
    return new BusyCores(workers);
  }

  get count(): number {
    return this.#workers.length;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    this.#workers.length = 0;
  }
}
