/**
 * Faults under load: a [memory (local), Redis (timeout 100 ms), PostgreSQL (primary)] store under a
 * fixed, bounded load of mixed operations (8 workers over 200 keys) while, phase after phase, Redis is
 * killed, hung (SIGSTOP), restarted, and the database connections are dropped. Every operation is
 * recorded with its start and end time; after the run the recorded history is checked: no read returned
 * a value older than the last write of its key acknowledged before the read began, the primary holds
 * every key's last acknowledged write, the caches hold nothing the primary contradicts, and no promise
 * rejection went unhandled. The figures are printed as a table (docs/reliability-faults.md quotes them).
 *
 * Redis runs as scratch child processes (never the shared Redis); PostgreSQL is the shared server, with a
 * fresh schema per run and a pool whose connections carry an application_name of their own, so that only
 * this test's connections are ever terminated.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DelegatedStore, MemoryStore, withErrorHandler } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { ScratchRedis } from '../support/redis-server.js';
import { DATABASE_URL, describeWithPostgres } from '../support/services.js';
import { PgStore, errorKind } from './support/pg-store.js';
import { nextRandom } from '../support/random.js';

const REDIS_TIMEOUT = 100;
const PRIMARY_TIMEOUT = 2000;
/** A behaviour bound, not a benchmark: during a Redis fault a read waits about the layer's timeout at most. */
const REDIS_FAULT_P99_BOUND = REDIS_TIMEOUT + 400;
const KEYS = 200;
const WORKERS = 8;
const GET_MANY_SIZE = 5;

interface Phase {
  name: string;
  /** How long the load runs in this phase, after `begin` and before `end`. */
  ms: number;
  /** Whether Redis is broken during the phase (the latency bound applies). */
  redisFault?: boolean;
  begin?: () => Promise<void> | void;
  /** Runs repeatedly during the phase, every `everyMs`. */
  repeat?: { everyMs: number; action: () => Promise<void> };
  end?: () => Promise<void> | void;
}

/** One set (`value` given) or delete (`value` undefined) through the store. */
interface WriteRecord {
  seq: number;
  value: string | undefined;
  start: number;
  end: number;
  /** true: acknowledged; false: rejected; undefined: still in flight. */
  ok: boolean | undefined;
}

interface ReadRecord {
  op: 'get' | 'getMany' | 'getOrLoad';
  key: string;
  value: string | undefined;
  start: number;
  end: number;
  phase: number;
}

interface PhaseFigures {
  phase: string;
  redisFault: boolean;
  ops: number;
  reads: number;
  writes: number;
  failedOps: number;
  contained: number;
  p50: number;
  p99: number;
  max: number;
  wrongValues: number;
}

interface LoadReport {
  phases: PhaseFigures[];
  operations: number;
  errorsByKind: Record<string, number>;
  containedByKind: Record<string, number>;
  wrongValues: string[];
  lostWrites: string[];
  staleCacheEntries: string[];
  unhandledRejections: unknown[];
  connectionsTerminated: number;
}

const keyName = (i: number) => `k${i}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function count(map: Map<string, number>, kind: string): void {
  map.set(kind, (map.get(kind) ?? 0) + 1);
}

/**
 * The history of the run: every write of every key (in call order, which is the order in which the store
 * serialises writes of one key) and every loader call.
 */
class History {
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

describeWithPostgres('faults under load: [memory, Redis (timeout 100 ms), PostgreSQL primary]', () => {
  const runId = randomUUID().slice(0, 8);
  const schema = `reliability_faults_${runId}`;
  const applicationName = `delegated-store-faults-${runId}`;
  let server: ScratchRedis;
  let admin: pg.Client;
  let primary: PgStore;
  let redis: RedisStore<string>;
  let memory: MemoryStore<string, string>;
  let store: DelegatedStore<string, string>;
  let history: History;
  let report: LoadReport;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await ScratchRedis.start();
    admin = new pg.Client({ connectionString: DATABASE_URL, application_name: `${applicationName}-admin` });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    primary = new PgStore({ url: DATABASE_URL, schema, applicationName, max: 4 });
    await primary.createTable();
    report = await runLoad();
    printReport(report);
  }, 60_000);

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await store?.close();
    await primary?.end();
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
    await server?.kill();
  });

  async function terminateOurConnections(): Promise<number> {
    const result = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return result.rowCount ?? 0;
  }

  async function runLoad(): Promise<LoadReport> {
    history = new History();
    memory = new MemoryStore<string, string>({ max: 50, ttl: 5000 });
    redis = new RedisStore<string>({ url: server.url, prefix: `faults-${runId}` });
    const containedByKind = new Map<string, number>();
    const containedByPhase: number[] = [];
    let phaseIndex = 0;
    store = new DelegatedStore<string, string>(
      [
        { store: memory, name: 'memory', local: true },
        { store: redis, name: 'redis', ttl: 60_000, timeout: REDIS_TIMEOUT },
        { store: primary, name: 'postgres', primary: true, timeout: PRIMARY_TIMEOUT },
      ],
      withErrorHandler((error, source) => {
        count(containedByKind, `${source.kind} ${source.layerName ?? ''}: ${errorKind(error)}`);
        containedByPhase[phaseIndex] = (containedByPhase[phaseIndex] ?? 0) + 1;
      }),
    );

    // Every key starts with an acknowledged value.
    for (let i = 0; i < KEYS; i++) {
      const write = history.startWrite(keyName(i), false);
      await store.set(keyName(i), write.value!);
      write.end = performance.now();
      write.ok = true;
    }

    let terminated = 0;
    const phases: Phase[] = [
      { name: 'baseline', ms: 1500 },
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
        repeat: { everyMs: 250, action: async () => void (terminated += await terminateOurConnections()) },
      },
      { name: 'final', ms: 1500 },
    ];

    const errorsByKind = new Map<string, number>();
    const perPhase = phases.map(() => ({
      ops: 0,
      reads: 0,
      writes: 0,
      failedOps: 0,
      latencies: [] as number[],
    }));
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
            count(errorsByKind, `${write.value === undefined ? 'delete' : 'set'}: ${errorKind(error)}`);
          } finally {
            write.end = performance.now();
          }
        } else {
          const kind = dice < 45 ? 'get' : dice < 55 ? 'getMany' : 'getOrLoad';
          figures.reads++;
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
            figures.latencies.push(performance.now() - start);
          } catch (error) {
            figures.failedOps++;
            count(errorsByKind, `${kind}: ${errorKind(error)}`);
          }
        }
        // The memory layer answers in microtasks: yield now and then so that timers (phases, timeouts) run.
        if (op % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    };

    const workers = Array.from({ length: WORKERS }, (_, i) => worker(i * 7919 + 1));
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      phaseIndex = i;
      await phase.begin?.();
      const until = performance.now() + phase.ms;
      if (phase.repeat) {
        while (performance.now() < until) {
          await phase.repeat.action();
          await sleep(Math.min(phase.repeat.everyMs, Math.max(0, until - performance.now())));
        }
      } else {
        await sleep(phase.ms);
      }
      await phase.end?.();
    }
    running = false;
    await Promise.all(workers);
    await store.drain();

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
        const latencies = perPhase[i].latencies.sort((a, b) => a - b);
        return {
          phase: phase.name,
          redisFault: phase.redisFault === true,
          ops: perPhase[i].ops,
          reads: perPhase[i].reads,
          writes: perPhase[i].writes,
          failedOps: perPhase[i].failedOps,
          contained: containedByPhase[i] ?? 0,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies[latencies.length - 1] ?? 0,
          wrongValues: wrongByPhase[i],
        };
      }),
      operations: perPhase.reduce((sum, figures) => sum + figures.ops, 0),
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
      unhandledRejections: [...unhandled],
      connectionsTerminated: terminated,
    };
  }

  function printReport(r: LoadReport): void {
    const ms = (value: number) => value.toFixed(1);
    const rows = r.phases.map((p) =>
      [
        p.phase.padEnd(44),
        p.ops,
        p.reads,
        p.writes,
        p.failedOps,
        p.contained,
        ms(p.p50),
        ms(p.p99),
        ms(p.max),
        p.wrongValues,
      ]
        .map((cell, i) => (i === 0 ? String(cell) : String(cell).padStart(8)))
        .join(' '),
    );
    const header = [
      'phase'.padEnd(44),
      ...['ops', 'reads', 'writes', 'failed', 'contain', 'p50 ms', 'p99 ms', 'max ms', 'wrong'].map((h) =>
        h.padStart(8),
      ),
    ].join(' ');
    const kinds = (title: string, map: Record<string, number>) =>
      [`${title}:`, ...Object.entries(map).map(([kind, n]) => `  ${String(n).padStart(6)}  ${kind}`)].join(
        '\n',
      );
    console.log(
      [
        `faults under load: ${WORKERS} workers, ${KEYS} keys, Redis layer timeout ${REDIS_TIMEOUT} ms`,
        header,
        ...rows,
        `operations ${r.operations}, wrong values ${r.wrongValues.length}, acknowledged writes lost ${r.lostWrites.length}, ` +
          `stale cache entries ${r.staleCacheEntries.length}, unhandled rejections ${r.unhandledRejections.length}, ` +
          `database connections terminated ${r.connectionsTerminated}`,
        kinds('operations that rejected, by kind', r.errorsByKind),
        kinds('failures contained by the store (withErrorHandler), by kind', r.containedByKind),
        ...r.wrongValues.slice(0, 5),
        ...r.lostWrites.slice(0, 5),
        ...r.staleCacheEntries.slice(0, 5),
      ].join('\n'),
    );
  }

  it('runs the load through every phase, and every fault is felt', () => {
    // A hung Redis slows every worker to one operation per timeout (100 ms): fewer, but still some.
    for (const phase of report.phases) expect(phase.reads).toBeGreaterThan(phase.redisFault ? 20 : 1000);
    const byName = (name: string) => report.phases.find((phase) => phase.phase.startsWith(name))!;
    // Redis faults are contained (a miss, reported), never thrown at callers.
    expect(byName('Redis killed').contained).toBeGreaterThan(0);
    expect(byName('Redis hung 2.5 s').contained).toBeGreaterThan(0);
    expect(report.connectionsTerminated).toBeGreaterThan(0);
    // Only the primary can fail an operation: every rejection is a query on a connection that was dropped.
    expect(Object.keys(report.errorsByKind).filter((kind) => !kind.endsWith('DatabaseError 57P01'))).toEqual(
      [],
    );
    expect(store.stats().layers.find((layer) => layer.name === 'redis')!.hits).toBeGreaterThan(0);
  });

  it('returns no wrong value: no read is older than the last write acknowledged before it began', () => {
    expect(history.reads.length).toBeGreaterThan(1000);
    expect(report.wrongValues.slice(0, 10)).toEqual([]);
  });

  it('loses no acknowledged write: after drain() the primary holds every key’s last acknowledged value', () => {
    expect(report.lostWrites.slice(0, 10)).toEqual([]);
  });

  it('leaves no cache entry that the primary contradicts once Redis is back and the store drained', () => {
    expect(report.staleCacheEntries.slice(0, 10)).toEqual([]);
  });

  it('lets no promise rejection go unhandled', () => {
    expect(report.unhandledRejections).toEqual([]);
  });

  it(`keeps the p99 read latency during a Redis fault under the layer timeout + 400 ms (${REDIS_FAULT_P99_BOUND} ms)`, () => {
    const faults = report.phases.filter((phase) => phase.redisFault);
    expect(faults.length).toBe(4);
    expect(
      faults.filter((phase) => phase.p99 >= REDIS_FAULT_P99_BOUND).map((p) => `${p.phase}: ${p.p99}`),
    ).toEqual([]);
  });
});

describe('the history check of the load test', () => {
  const at = (start: number, end: number) => ({ start, end });
  function historyOf(writes: Array<[value: string | undefined, start: number, end: number, ok: boolean]>) {
    const history = new History();
    for (const [value, start, end, ok] of writes) {
      const write = history.startWrite('k', value === undefined);
      Object.assign(write, { value, start, end, ok });
    }
    return history;
  }
  const read = (value: string | undefined, start: number, end: number): ReadRecord => ({
    op: 'get',
    key: 'k',
    value,
    ...at(start, end),
    phase: 0,
  });

  it('accepts what a read may return and flags what it may not', () => {
    const history = historyOf([
      ['v1', 0, 1, true],
      ['v2', 2, 3, true],
      [undefined, 4, 5, true], // a delete
      ['v4', 6, 8, false], // rejected: it may or may not have landed
    ]);
    expect(history.checkRead(read('v2', 3.5, 3.9))).toBeUndefined();
    expect(history.checkRead(read('v1', 3.5, 3.9))).toMatch(/returned v1; last acknowledged before it: v2/);
    expect(history.checkRead(read('v1', 1.5, 2.5))).toBeUndefined(); // overlaps the write of v2
    expect(history.checkRead(read(undefined, 5.5, 5.9))).toBeUndefined();
    expect(history.checkRead(read('v2', 5.5, 5.9))).toMatch(/returned v2/); // resurrected after the delete
    expect(history.checkRead(read('v4', 5.5, 5.9))).toMatch(/returned v4/); // not issued before the read ended
    expect(history.checkRead(read('v4', 6.5, 9))).toBeUndefined();
    const loadedBefore = history.load('k');
    history.loads.set(loadedBefore, 3.5);
    const loadedAfter = history.load('k');
    history.loads.set(loadedAfter, 5.5);
    expect(history.checkRead(read(loadedAfter, 5.6, 5.9))).toBeUndefined();
    expect(history.checkRead(read(loadedBefore, 5.6, 5.9))).toMatch(/returned k@L1/); // loaded before the delete
    expect(history.allowedInPrimary('k')).toEqual([undefined, 'v4']);
    expect(history.allowedInCache('k', 'v2', undefined)).toBe(false);
    expect(history.allowedInCache('k', loadedAfter, undefined)).toBe(true);
  });
});
