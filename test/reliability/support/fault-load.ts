/**
 * The fault-load harness: a [memory (local), Redis (timeout), PostgreSQL (primary, timeout)] store under
 * a bounded load of mixed operations (8 workers over 200 keys) while, phase after phase, Redis is killed,
 * hung (SIGSTOP), restarted, and the database connections are dropped. Every operation is recorded with
 * its start and end time; after the run the recorded history is checked: no read returned a value older
 * than the last write of its key acknowledged before the read began, the primary holds every key's last
 * acknowledged write, the caches hold nothing the primary contradicts, and no promise rejection went
 * unhandled.
 *
 * The work of a phase is counted, not timed: a phase without a fault runs for at least its duration and
 * until it has done `minReads` reads, so that a slow (busy) machine runs longer rather than checking
 * less. A fault phase keeps its duration (a Redis hang must stay shorter, or longer, than the 2 s socket
 * timeout). A phase that cannot reach its reads within `phaseCapMs` is reported as stalled: the store
 * stopped making progress, which is a failure of the store, not of the machine. With a `budgetMs`, the
 * phases share a total wall-clock budget (support/phase-budget.ts): a phase cut short by it must have
 * answered operations in proportion to the time it got, at the same stall rate, and done one read.
 *
 * Redis runs as scratch child processes (never the shared Redis); PostgreSQL is the shared server, with a
 * fresh schema per run and a pool whose connections carry an application_name of their own, so that only
 * this run's connections are ever terminated.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DelegatedStore, LayerTimeoutError, MemoryStore, withErrorHandler } from '../../../lib/index.js';
import { RedisStore } from '../../../lib/redis/index.js';
import { nextRandom } from '../../support/random.js';
import { ScratchRedis } from '../../support/redis-server.js';
import { DATABASE_URL } from '../../support/services.js';
import { BusyCores } from './busy-cores.js';
import { CallTracker } from './call-tracker.js';
import { PgStore, errorKind } from './pg-store.js';
import { phaseLimits, progressFloor } from './phase-budget.js';

export const KEYS = 200;
export const WORKERS = 8;
const GET_MANY_SIZE = 5;

export interface FaultLoadOptions {
  /** Names the run in the printed report. */
  title: string;
  /** The Redis layer's `timeout`, ms. */
  redisTimeout: number;
  /** The PostgreSQL layer's `timeout`, ms. */
  primaryTimeout: number;
  /** How many times the cycle of faults runs after the baseline. */
  rounds: number;
  /** A phase without a fault runs until it has done this many reads (and at least its duration). */
  minReads: number;
  /** A phase still short of its reads after this long ends, reported as stalled. */
  phaseCapMs: number;
  /**
   * The wall-clock budget of the run (its initial writes and its phases), ms: once at risk, the phases
   * without a Redis fault stretch less, and then get shorter. None: every phase may take `phaseCapMs`.
   */
  budgetMs?: number;
  /** Threads that spin during the load, to keep the cores busy (0: none). */
  busyThreads: number;
}

interface Phase {
  name: string;
  /** How long the load runs in this phase at least, after `begin` and before `end`. */
  ms: number;
  /** Whether Redis is broken during the phase (its length is fixed, and the latency bound applies). */
  redisFault?: boolean;
  begin?: () => Promise<void> | void;
  /** Runs repeatedly during the phase, every `everyMs`. */
  repeat?: { everyMs: number; action: () => Promise<void> };
  end?: () => Promise<void> | void;
}

/** One set (`value` given) or delete (`value` undefined) through the store. */
export interface WriteRecord {
  seq: number;
  value: string | undefined;
  start: number;
  end: number;
  /** true: acknowledged; false: rejected; undefined: still in flight. */
  ok: boolean | undefined;
}

export interface ReadRecord {
  op: 'get' | 'getMany' | 'getOrLoad';
  key: string;
  value: string | undefined;
  start: number;
  end: number;
  phase: number;
}

export interface PhaseFigures {
  phase: string;
  redisFault: boolean;
  /**
   * The reads this phase had to do: 0 for a Redis fault phase (its length is fixed), `minReads`, or 1
   * when the budget cut the phase short.
   */
  minReads: number;
  /**
   * The phase ran out of time before it did `minReads` reads: `phaseCapMs`, or its share of the budget
   * and it answered fewer operations than its share of time asks (phase-budget.ts, progressFloor).
   */
  stalled: boolean;
  /**
   * The budget (or, under the database fault, the phase cap) ended the phase before it did
   * `options.minReads` reads, but the store made progress: it answered operations at the floor's rate.
   */
  cut: boolean;
  ms: number;
  ops: number;
  reads: number;
  writes: number;
  failedOps: number;
  contained: number;
  p50: number;
  p99: number;
  max: number;
  /** The p99 of the event loop's delay during the phase, ms: how much the machine slowed every step. */
  loopDelayP99: number;
  wrongValues: number;
}

export interface LoadReport {
  phases: PhaseFigures[];
  operations: number;
  checkedReads: number;
  errorsByKind: Record<string, number>;
  containedByKind: Record<string, number>;
  wrongValues: string[];
  lostWrites: string[];
  staleCacheEntries: string[];
  unhandledRejections: unknown[];
  connectionsTerminated: number;
  busyThreads: number;
  seconds: number;
  redisHits: number;
}

const keyName = (i: number) => `k${i}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function count(map: Map<string, number>, kind: string): void {
  map.set(kind, (map.get(kind) ?? 0) + 1);
}

/** How a rejection is counted: a layer timeout names its layer, a plain Error its message. */
function rejectionKind(error: unknown): string {
  if (error instanceof LayerTimeoutError) return `LayerTimeoutError ${error.layerName}`;
  if (error instanceof Error && error.constructor === Error) return `Error: ${error.message.slice(0, 60)}`;
  return errorKind(error);
}

/**
 * Whether a rejection an operation met came from the primary: a query on a connection that was dropped
 * (57P01), a pool that could not connect in time, or the primary layer's timeout. Redis failures must
 * never reach a caller.
 */
export function isPrimaryFailure(kind: string): boolean {
  return (
    kind.endsWith('DatabaseError 57P01') ||
    kind.endsWith('LayerTimeoutError postgres') ||
    /Error: (timeout exceeded when trying to connect|Connection terminated)/.test(kind)
  );
}

/**
 * The history of the run: every write of every key (in call order, which is the order in which the store
 * serialises writes of one key) and every loader call.
 */
export class History {
  readonly writes = new Map<string, WriteRecord[]>();
  /** Loaded value → when its loader was called. */
  readonly loads = new Map<string, number>();
  readonly reads: ReadRecord[] = [];
  #seq = 0;
  #loadSeq = 0;

  startWrite(key: string, deleting: boolean): WriteRecord {
    const seq = ++this.#seq;
    const record: WriteRecord = {
      seq,
      value: deleting ? undefined : `${key}#${seq}`,
      start: performance.now(),
      end: Infinity,
      ok: undefined,
    };
    let list = this.writes.get(key);
    if (!list) this.writes.set(key, (list = []));
    list.push(record);
    return record;
  }

  load(key: string): string {
    const value = `${key}@L${++this.#loadSeq}`;
    this.loads.set(value, performance.now());
    return value;
  }

  /** The last write of the key acknowledged before `time`. */
  lastAcknowledged(key: string, before = Infinity): WriteRecord | undefined {
    let last: WriteRecord | undefined;
    for (const write of this.writes.get(key) ?? []) {
      if (write.ok === true && write.end < before && (!last || write.seq > last.seq)) last = write;
    }
    return last;
  }

  /**
   * Why a read is wrong, or undefined when it is allowed: it may return the value of the last write
   * acknowledged before it began, or of any later write that began before it ended (acknowledged or
   * not: a write that failed may still have landed); `undefined`, or a value loaded after the delete,
   * when one of those writes is a delete.
   */
  checkRead(read: ReadRecord): string | undefined {
    const floor = this.lastAcknowledged(read.key, read.start);
    const candidates = (this.writes.get(read.key) ?? []).filter(
      (write) => (floor === undefined || write.seq >= floor.seq) && write.start < read.end,
    );
    const { value } = read;
    const deletes = candidates.filter((write) => write.value === undefined);
    let allowed: boolean;
    if (value === undefined) {
      allowed = floor === undefined || deletes.length > 0;
    } else if (value.includes('@L')) {
      const loadedAt = this.loads.get(value);
      allowed =
        loadedAt !== undefined && (floor === undefined || deletes.some((write) => write.start <= loadedAt));
    } else {
      allowed = candidates.some((write) => write.value === value);
    }
    if (allowed) return undefined;
    return (
      `${read.op} ${read.key} at [${read.start.toFixed(1)}, ${read.end.toFixed(1)}] returned ${String(value)}; ` +
      `last acknowledged before it: ${floor ? `${String(floor.value)} (ended ${floor.end.toFixed(1)})` : 'none'}`
    );
  }

  /** What the primary may hold for the key once everything settled: the last acknowledged write, or a later failed one. */
  allowedInPrimary(key: string): Array<string | undefined> {
    const last = this.lastAcknowledged(key);
    return (this.writes.get(key) ?? [])
      .filter((write) => last === undefined || write.seq >= last.seq)
      .map((write) => write.value);
  }

  /** Whether a cache layer may still hold `cached` for the key, given what the primary holds. */
  allowedInCache(key: string, cached: string | undefined, inPrimary: string | undefined): boolean {
    if (cached === undefined || cached === inPrimary) return true;
    const last = this.lastAcknowledged(key);
    // A write whose primary write failed touched no other layer: the caches keep the acknowledged value.
    if (last && cached === last.value) return true;
    if (cached.includes('@L') && inPrimary === undefined) {
      const loadedAt = this.loads.get(cached) ?? -Infinity;
      return (this.writes.get(key) ?? []).some(
        (write) =>
          (last === undefined || write.seq >= last.seq) &&
          write.value === undefined &&
          write.start <= loadedAt,
      );
    }
    return false;
  }
}

/** One run of the fault load: `start()` sets up Redis and the database, `run()` loads, `stop()` cleans up. */
export class FaultLoad {
  readonly options: FaultLoadOptions;
  readonly history = new History();
  store: DelegatedStore<string, string> | undefined;
  readonly #runId = randomUUID().slice(0, 8);
  readonly #schema = `reliability_faults_${this.#runId}`;
  readonly #applicationName = `delegated-store-faults-${this.#runId}`;
  readonly #unhandled: unknown[] = [];
  readonly #onUnhandled = (reason: unknown) => this.#unhandled.push(reason);
  #server: ScratchRedis | undefined;
  #admin: pg.Client | undefined;
  #primary: PgStore | undefined;
  #busy: BusyCores | undefined;

  constructor(options: FaultLoadOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    process.on('unhandledRejection', this.#onUnhandled);
    this.#server = await ScratchRedis.start();
    this.#admin = new pg.Client({
      connectionString: DATABASE_URL,
      application_name: `${this.#applicationName}-admin`,
    });
    await this.#admin.connect();
    await this.#admin.query(`CREATE SCHEMA "${this.#schema}"`);
    this.#primary = new PgStore({
      url: DATABASE_URL,
      schema: this.#schema,
      applicationName: this.#applicationName,
      max: 4,
    });
    await this.#primary.createTable();
  }

  async stop(): Promise<void> {
    process.off('unhandledRejection', this.#onUnhandled);
    await this.#busy?.stop();
    await this.store?.close();
    await this.#primary?.end();
    if (this.#admin) {
      await this.#admin.query(`DROP SCHEMA IF EXISTS "${this.#schema}" CASCADE`);
      await this.#admin.end();
    }
    await this.#server?.kill();
  }

  async #terminateOurConnections(): Promise<number> {
    const result = await this.#admin!.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [this.#applicationName],
    );
    return result.rowCount ?? 0;
  }

  #phases(onTerminated: (n: number) => void): Phase[] {
    const server = this.#server!;
    const cycle: Phase[] = [
      {
        name: 'Redis killed (SIGKILL), then restarted',
        ms: 2000,
        redisFault: true,
        begin: () => server.stop('SIGKILL'),
        end: () => server.restart(),
      },
      { name: 'after the restart', ms: 1500 },
      {
        name: 'Redis hung 2.5 s (SIGSTOP), then resumed',
        ms: 2500,
        redisFault: true,
        begin: () => server.pause(),
        end: () => server.resume(),
      },
      { name: 'after the long hang', ms: 1500 },
      {
        name: 'Redis hung 1 s, then resumed',
        ms: 1000,
        redisFault: true,
        begin: () => server.pause(),
        end: () => server.resume(),
      },
      { name: 'after the short hang', ms: 1000 },
      {
        name: 'Redis restarted (SIGTERM, start)',
        ms: 1000,
        redisFault: true,
        begin: async () => {
          await server.stop('SIGTERM');
          await server.restart();
        },
      },
      {
        name: 'database connections dropped every 250 ms',
        ms: 2500,
        repeat: {
          everyMs: 250,
          action: async () => onTerminated(await this.#terminateOurConnections()),
        },
      },
      { name: 'final', ms: 1500 },
    ];
    const phases: Phase[] = [{ name: 'baseline', ms: 1500 }];
    for (let round = 1; round <= this.options.rounds; round++) {
      const suffix = this.options.rounds > 1 ? ` [${round}]` : '';
      phases.push(...cycle.map((phase) => ({ ...phase, name: phase.name + suffix })));
    }
    return phases;
  }

  async run(): Promise<LoadReport> {
    const { options, history } = this;
    const budgetEnd = performance.now() + (options.budgetMs ?? Infinity);
    const primary = this.#primary!;
    const calls = new CallTracker();
    const memory = new MemoryStore<string, string>({ max: 50, ttl: 5000 });
    const redis = new RedisStore<string>({ url: this.#server!.url, prefix: `faults-${this.#runId}` });
    const containedByKind = new Map<string, number>();
    const containedByPhase: number[] = [];
    let phaseIndex = 0;
    const store = new DelegatedStore<string, string>(
      [
        { store: calls.track(memory), name: 'memory', local: true },
        { store: calls.track(redis), name: 'redis', ttl: 60_000, timeout: options.redisTimeout },
        { store: calls.track(primary), name: 'postgres', primary: true, timeout: options.primaryTimeout },
      ],
      withErrorHandler((error, source) => {
        count(containedByKind, `${source.kind} ${source.layerName ?? ''}: ${errorKind(error)}`);
        containedByPhase[phaseIndex] = (containedByPhase[phaseIndex] ?? 0) + 1;
      }),
    );
    this.store = store;

    // Every key starts with an acknowledged value. On a busy machine a write may meet the primary's
    // timeout: it is recorded as failed (it may still land) and the key is written again.
    for (let i = 0; i < KEYS; i++) {
      for (let attempt = 1; ; attempt++) {
        const write = history.startWrite(keyName(i), false);
        try {
          await store.set(keyName(i), write.value!);
          write.ok = true;
          break;
        } catch (error) {
          write.ok = false;
          if (attempt === 20) throw error;
        } finally {
          write.end = performance.now();
        }
      }
    }

    let terminated = 0;
    const phases = this.#phases((n) => (terminated += n));
    const budgeted = phases.map((phase) => ({
      ms: phase.ms,
      stretch: phase.redisFault !== true,
      shrink: phase.redisFault !== true && phase.repeat === undefined,
    }));
    const errorsByKind = new Map<string, number>();
    const perPhase = phases.map(() => ({
      ops: 0,
      reads: 0,
      writes: 0,
      failedOps: 0,
      ms: 0,
      answered: 0,
      minReads: 0,
      stalled: false,
      cut: false,
      loopDelayP99: 0,
      latencies: [] as number[],
    }));
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    let running = true;

    const worker = async (seed: number) => {
      let n = seed;
      for (let op = 1; running; op++) {
        n = nextRandom(n);
        const dice = n % 100;
        const key = keyName((n >>> 8) % KEYS);
        const phase = phaseIndex;
        const figures = perPhase[phase];
        figures.ops++;
        const start = performance.now();
        if (dice >= 70) {
          // 22 % sets, 8 % deletes.
          const write = history.startWrite(key, dice >= 92);
          figures.writes++;
          try {
            if (write.value === undefined) await store.delete(key);
            else await store.set(key, write.value);
            write.ok = true;
          } catch (error) {
            write.ok = false;
            figures.failedOps++;
            count(errorsByKind, `${write.value === undefined ? 'delete' : 'set'}: ${rejectionKind(error)}`);
          } finally {
            write.end = performance.now();
          }
        } else {
          const kind = dice < 45 ? 'get' : dice < 55 ? 'getMany' : 'getOrLoad';
          try {
            if (kind === 'getMany') {
              const keys = [key];
              for (let i = 1; i < GET_MANY_SIZE; i++) keys.push(keyName((n >>> (8 + i)) % KEYS));
              const values = await store.getMany(keys);
              const end = performance.now();
              keys.forEach((k, i) =>
                history.reads.push({ op: kind, key: k, value: values[i], start, end, phase }),
              );
            } else {
              const value =
                kind === 'get'
                  ? await store.get(key)
                  : await store.getOrLoad(key, async (k) => history.load(k));
              history.reads.push({ op: kind, key, value, start, end: performance.now(), phase });
            }
            figures.reads++;
            figures.latencies.push(performance.now() - start);
          } catch (error) {
            figures.failedOps++;
            count(errorsByKind, `${kind}: ${rejectionKind(error)}`);
          }
        }
        figures.answered++;
        // The memory layer answers in microtasks: yield now and then so that timers (phases, timeouts) run.
        if (op % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    };

    this.#busy = options.busyThreads > 0 ? BusyCores.start(options.busyThreads) : undefined;
    const runStarted = performance.now();
    const workers = Array.from({ length: WORKERS }, (_, i) => worker(i * 7919 + 1));
    loopDelay.enable();
    try {
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        const figures = perPhase[i];
        phaseIndex = i;
        loopDelay.reset();
        const started = performance.now();
        const limits = phaseLimits(budgeted, i, budgetEnd - started, options.phaseCapMs);
        const minReads = phase.redisFault ? 0 : options.minReads;
        const floor = progressFloor(minReads, limits.maxMs, options.phaseCapMs);
        figures.minReads = minReads;
        await phase.begin?.();
        const until = performance.now() + limits.minMs;
        const cap = Math.max(until, started + limits.maxMs);
        const more = () => {
          const now = performance.now();
          if (now < until) return true;
          if (figures.reads >= minReads) return false;
          if (now < cap) return true;
          // Under the database fault (a repeated action) most operations meet the primary's failure, and a
          // rejection is an answer too: there, progress is the operations answered, not the reads done.
          const databaseFault = phase.repeat !== undefined;
          figures.cut = (floor < minReads || databaseFault) && figures.answered >= floor;
          figures.stalled = !figures.cut;
          if (figures.cut) figures.minReads = 1;
          return false;
        };
        while (more()) {
          if (phase.repeat) await phase.repeat.action();
          await sleep(
            phase.repeat ? phase.repeat.everyMs : Math.max(10, Math.min(100, until - performance.now())),
          );
        }
        await phase.end?.();
        figures.ms = performance.now() - started;
        figures.loopDelayP99 = loopDelay.percentile(99) / 1e6;
      }
    } finally {
      loopDelay.disable();
      running = false;
      await Promise.all(workers);
      await this.#busy?.stop();
      this.#busy = undefined;
    }
    const seconds = (performance.now() - runStarted) / 1000;
    // Writes that timed out may still be on their way to a layer: wait until every layer call settled
    // (and what the store does when they land) before looking at what the layers hold.
    await calls.idle();
    await store.drain();
    await calls.idle();

    // The checks, on the recorded history.
    const wrongByPhase = phases.map(() => 0);
    const wrongValues: string[] = [];
    for (const read of history.reads) {
      const problem = history.checkRead(read);
      if (problem) {
        wrongByPhase[read.phase]++;
        wrongValues.push(`[${phases[read.phase].name}] ${problem}`);
      }
    }
    const inPrimary = await primary.all();
    const inRedis = await redis.getMany(Array.from({ length: KEYS }, (_, i) => keyName(i)));
    const lostWrites: string[] = [];
    const staleCacheEntries: string[] = [];
    for (let i = 0; i < KEYS; i++) {
      const key = keyName(i);
      const held = inPrimary.get(key);
      if (!history.allowedInPrimary(key).includes(held)) {
        lostWrites.push(
          `${key}: the primary holds ${String(held)}, last acknowledged ${String(history.lastAcknowledged(key)?.value)}`,
        );
      }
      for (const [layer, cached] of [
        ['redis', inRedis[i]],
        ['memory', memory.getSync(key)],
      ] as const) {
        if (!history.allowedInCache(key, cached, held)) {
          staleCacheEntries.push(`${layer} ${key}: holds ${cached}, the primary ${String(held)}`);
        }
      }
    }

    return {
      phases: phases.map((phase, i) => {
        const figures = perPhase[i];
        const latencies = figures.latencies.sort((a, b) => a - b);
        return {
          phase: phase.name,
          redisFault: phase.redisFault === true,
          minReads: figures.minReads,
          stalled: figures.stalled,
          cut: figures.cut,
          ms: figures.ms,
          ops: figures.ops,
          reads: figures.reads,
          writes: figures.writes,
          failedOps: figures.failedOps,
          contained: containedByPhase[i] ?? 0,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies[latencies.length - 1] ?? 0,
          loopDelayP99: figures.loopDelayP99,
          wrongValues: wrongByPhase[i],
        };
      }),
      operations: perPhase.reduce((sum, figures) => sum + figures.ops, 0),
      checkedReads: history.reads.length,
      errorsByKind: Object.fromEntries([...errorsByKind].sort()),
      containedByKind: Object.fromEntries(
        [
          ...containedByKind,
          ...[...primary.idleErrors].map(([k, v]) => [`pool idle connection: ${k}`, v] as const),
        ].sort(),
      ),
      wrongValues,
      lostWrites,
      staleCacheEntries,
      unhandledRejections: [...this.#unhandled],
      connectionsTerminated: terminated,
      busyThreads: options.busyThreads,
      seconds,
      redisHits: store.stats().layers.find((layer) => layer.name === 'redis')!.hits,
    };
  }
}

export function printReport(options: FaultLoadOptions, r: LoadReport): void {
  const ms = (value: number) => value.toFixed(1);
  const rows = r.phases.map((p) =>
    [
      p.phase.padEnd(48),
      (p.ms / 1000).toFixed(1) + (p.stalled ? '!' : p.cut ? '~' : ''),
      p.ops,
      p.reads,
      p.writes,
      p.failedOps,
      p.contained,
      ms(p.p50),
      ms(p.p99),
      ms(p.max),
      ms(p.loopDelayP99),
      p.wrongValues,
    ]
      .map((cell, i) => (i === 0 ? String(cell) : String(cell).padStart(8)))
      .join(' '),
  );
  const header = [
    'phase'.padEnd(48),
    ...[
      's',
      'ops',
      'reads',
      'writes',
      'failed',
      'contain',
      'p50 ms',
      'p99 ms',
      'max ms',
      'lag p99',
      'wrong',
    ].map((h) => h.padStart(8)),
  ].join(' ');
  const kinds = (title: string, map: Record<string, number>) =>
    [`${title}:`, ...Object.entries(map).map(([kind, n]) => `  ${String(n).padStart(6)}  ${kind}`)].join(
      '\n',
    );
  console.log(
    [
      `${options.title}: ${WORKERS} workers, ${KEYS} keys, timeouts Redis ${options.redisTimeout} ms, ` +
        `PostgreSQL ${options.primaryTimeout} ms, ${r.busyThreads} busy threads, ${options.rounds} round(s), ` +
        `at least ${options.minReads} reads per phase without a fault` +
        (options.budgetMs === undefined
          ? ''
          : `, a budget of ${options.budgetMs / 1000} s (~: a phase the budget cut short, ` +
            `${r.phases.filter((p) => p.cut).length} of ${r.phases.length})`),
      header,
      ...rows,
      `operations ${r.operations} in ${r.seconds.toFixed(1)} s, reads checked ${r.checkedReads}, wrong values ${r.wrongValues.length}, ` +
        `acknowledged writes lost ${r.lostWrites.length}, stale cache entries ${r.staleCacheEntries.length}, ` +
        `unhandled rejections ${r.unhandledRejections.length}, database connections terminated ${r.connectionsTerminated}`,
      kinds('operations that rejected, by kind', r.errorsByKind),
      kinds('failures contained by the store (withErrorHandler), by kind', r.containedByKind),
      ...r.wrongValues.slice(0, 5),
      ...r.lostWrites.slice(0, 5),
      ...r.staleCacheEntries.slice(0, 5),
    ].join('\n'),
  );
}
