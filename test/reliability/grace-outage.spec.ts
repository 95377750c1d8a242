/**
 * Issue 14, faults: the database is down for 10 s under load, and the memory layer has a grace of 20 s.
 * Every key read before the outage keeps answering (0 errors), stale but never older than a write that
 * was acknowledged before the read began; writes during the outage fail (the primary is down) and change
 * nothing; once the database is back, the stale entries are refreshed.
 *
 * The outage is real, in two ways: the table is renamed away in PostgreSQL (every query of the store
 * fails, as with a database that lost its table) and renamed back after 10 s; or the store reaches
 * PostgreSQL through a TCP proxy that is stopped for 10 s (connections refused and cut, as with a server
 * that is down).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DelegatedStore, MemoryStore } from '../../lib/index.js';
import { DATABASE_URL, describeWithPostgres } from '../support/services.js';
import { nextRandom } from '../support/random.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { PgStore } from './support/pg-store.js';

const KEYS = 100;
const WORKERS = 8;
const OUTAGE_MS = 10_000;
const MEMORY_TTL = 300;
const GRACE = 20_000;

interface Acknowledged {
  value: string;
  /** When the write resolved. */
  at: number;
}

/** How the database goes down, and comes back. */
type Outage = 'table renamed away' | 'server stopped';

function graceOutageSuite(outage: Outage): void {
  const schema = `grace_outage_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let admin: pg.Client;
  let proxy: TcpProxy | undefined;
  let primary: PgStore;
  let store: DelegatedStore<string, string>;
  /** Per key: every acknowledged write, in order. */
  const writes = new Map<string, Acknowledged[]>();
  const report = {
    outageReads: 0,
    outageReadErrors: [] as string[],
    outageWriteFailures: 0,
    wrongValues: [] as string[],
    staleServed: 0,
    refreshedAfter: 0,
  };

  const key = (i: number) => `k${i}`;

  /** The last write of `k` acknowledged before `time`. */
  function lastBefore(k: string, time: number): Acknowledged | undefined {
    const list = writes.get(k) ?? [];
    let last: Acknowledged | undefined;
    for (const write of list) if (write.at < time) last = write;
    return last;
  }

  /** A read's value must be no older than the last write acknowledged before the read began. */
  function check(k: string, value: string | undefined, began: number, phase: string): void {
    const last = lastBefore(k, began);
    if (last === undefined) return;
    const seq = (v: string | undefined) => (v === undefined ? -1 : Number(v.split('#')[1]));
    if (seq(value) < seq(last.value)) {
      report.wrongValues.push(
        `[${phase}] ${k} returned ${String(value)}, acknowledged before: ${last.value}`,
      );
    }
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    let url = DATABASE_URL;
    if (outage === 'server stopped') {
      const { hostname, port } = new URL(DATABASE_URL);
      proxy = await TcpProxy.start(hostname, Number(port || 5432));
      url = proxy.rewrite(DATABASE_URL);
    }
    primary = new PgStore({ url, schema, applicationName: schema });
    await primary.createTable();
    store = new DelegatedStore<string, string>([
      { store: new MemoryStore<string, string>(), name: 'memory', ttl: MEMORY_TTL, grace: GRACE },
      { store: primary, name: 'postgres', primary: true, timeout: 2000 },
    ]);
    let seq = 0;
    for (let i = 0; i < KEYS; i++) {
      const value = `${key(i)}#${++seq}`;
      await store.set(key(i), value);
      writes.set(key(i), [{ value, at: performance.now() }]);
    }

    let state = 42;
    /** Uniform in [0, 1), deterministic. */
    const random = () => (state = nextRandom(state)) / 2 ** 32;
    const runPhase = async (phase: 'before' | 'outage' | 'after', until: () => boolean) => {
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (until()) {
            const k = key(Math.floor(random() * KEYS));
            if (random() < 0.2) {
              const value = `${k}#${++seq}`;
              try {
                await store.set(k, value);
                writes.get(k)!.push({ value, at: performance.now() });
              } catch {
                if (phase === 'outage') report.outageWriteFailures++;
              }
            } else {
              const began = performance.now();
              let served: { stale: boolean } | undefined;
              try {
                const value = await store.get(k, { onServed: (_layer, info) => (served = info) });
                check(k, value, began, phase);
                if (phase === 'outage') {
                  report.outageReads++;
                  if (served?.stale) report.staleServed++;
                }
              } catch (error) {
                if (phase === 'outage') report.outageReadErrors.push(`${k}: ${String(error)}`);
              }
            }
            await sleep(1);
          }
        }),
      );
    };

    // Every key is read once, then the load runs a moment with the database up.
    for (let i = 0; i < KEYS; i++) await store.get(key(i));
    const started = performance.now();
    await runPhase('before', () => performance.now() - started < 1000);

    if (proxy) await proxy.stop();
    else await admin.query(`ALTER TABLE "${schema}".kv RENAME TO kv_away`);
    const outageStarted = performance.now();
    await runPhase('outage', () => performance.now() - outageStarted < OUTAGE_MS);
    if (proxy) await proxy.resume();
    else await admin.query(`ALTER TABLE "${schema}".kv_away RENAME TO kv`);

    const after = performance.now();
    await runPhase('after', () => performance.now() - after < 3000);
    await store.drain();
    report.refreshedAfter = store.stats().layers[0].refreshes;
    console.log(
      `grace outage (${outage}): ${report.outageReads} reads during a ${OUTAGE_MS} ms outage, ${report.staleServed} served stale, ` +
        `${report.outageReadErrors.length} errors, ${report.outageWriteFailures} writes refused, ` +
        `${report.wrongValues.length} wrong values; stats ${JSON.stringify(store.stats().layers[0])}`,
    );
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await primary?.end();
    await proxy?.stop();
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  it('answers every read of a key read before the outage, stale, with 0 errors', () => {
    expect(report.outageReads).toBeGreaterThan(100);
    expect(report.staleServed).toBeGreaterThan(0);
    expect(report.outageReadErrors.slice(0, 5)).toEqual([]);
  });

  it('refuses the writes while the primary is down, and never returns a value older than an acknowledged write', () => {
    expect(report.outageWriteFailures).toBeGreaterThan(0);
    expect(report.wrongValues.slice(0, 5)).toEqual([]);
  });

  it('refreshes the stale entries once the database is back', async () => {
    expect(store.stats().layers[0].refreshFailures).toBeGreaterThan(0);
    // Back to fresh: every key reads from memory, fresh, after a refresh.
    const sample = key(7);
    let info: { stale: boolean } | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      await store.get(sample, { onServed: (_layer, served) => (info = served) });
      if (info?.stale === false) break;
      await sleep(50);
      await store.drain();
    }
    expect(info).toEqual({ stale: false });
  });
}

describeWithPostgres('grace while the database is down for 10 s, under load (PostgreSQL)', () => {
  describe.each<Outage>(['table renamed away', 'server stopped'])('%s', graceOutageSuite);
});
