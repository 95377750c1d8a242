import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isReachable } from './services.js';

/** A free TCP port on 127.0.0.1, found by binding port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export interface ScratchTls {
  certFile: string;
  keyFile: string;
}

/** A self-signed certificate for 127.0.0.1 in a fresh temporary directory (needs `openssl`). */
export function selfSignedCertificate(): ScratchTls & { cert: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scratch-redis-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), dir };
}

/**
 * A scratch `redis-server` child on its own port, for tests that break Redis on purpose (stop, hang,
 * restart) or need a server of their own (a password, CONFIG RESETSTAT). It is only ever signalled by
 * its own pid; `kill()` belongs in afterAll.
 */
export class ScratchRedis {
  #process: ChildProcess | undefined;
  #paused = false;

  private constructor(
    readonly port: number,
    readonly args: readonly string[],
    readonly tls: ScratchTls | undefined,
  ) {}

  /**
   * Starts a server with no persistence. `args` are extra redis-server arguments (e.g. --requirepass);
   * with `tls` it only accepts TLS connections, on `port`.
   */
  static async start(args: readonly string[] = [], tls?: ScratchTls): Promise<ScratchRedis> {
    const server = new ScratchRedis(await freePort(), args, tls);
    await server.restart();
    return server;
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  #portArgs(): string[] {
    if (!this.tls) return ['--port', String(this.port)];
    const { certFile, keyFile } = this.tls;
    return [
      ...['--port', '0', '--tls-port', String(this.port), '--tls-auth-clients', 'no'],
      ...['--tls-cert-file', certFile, '--tls-key-file', keyFile, '--tls-ca-cert-file', certFile],
    ];
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get running(): boolean {
    return this.#process !== undefined;
  }

  /** Starts the server again on the same port (after stop), and waits until it accepts connections. */
  async restart(): Promise<void> {
    if (this.#process) throw new Error(`redis-server on port ${this.port} is already running`);
    const child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.#portArgs(), ...this.args],
      { stdio: 'ignore' },
    );
    this.#process = child;
    this.#paused = false;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code} on start`)));
    });
    exited.catch(() => {});
    const deadline = Date.now() + 5000;
    while (!(await Promise.race([isReachable(this.url, this.port, 200), exited]))) {
      if (Date.now() > deadline) {
        await this.stop('SIGKILL');
        throw new Error(`redis-server did not start on port ${this.port}`);
      }
      await sleep(20);
    }
  }

  /** Stops the server (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits until it exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#process;
    if (!child) return;
    this.#process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (this.#paused) child.kill('SIGCONT');
    child.kill(signal);
    await exited;
    this.#paused = false;
  }

  /** Freezes the server: connections stay open, nothing is answered (a hung Redis). */
  pause(): void {
    if (!this.#process) throw new Error('redis-server is not running');
    this.#process.kill('SIGSTOP');
    this.#paused = true;
  }

  resume(): void {
    if (!this.#process) throw new Error('redis-server is not running');
    this.#process.kill('SIGCONT');
    this.#paused = false;
  }

  /** For afterAll: kills the server whatever its state. */
  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }
}

/** Two scratch servers that require one password: `plain` over TCP, `tls` over TLS only (a self-signed CA). */
export class PasswordProtectedRedis {
  private constructor(
    readonly plain: ScratchRedis,
    readonly tls: ScratchRedis,
    readonly ca: string,
    private readonly certificateDir: string,
  ) {}

  static async start(password: string): Promise<PasswordProtectedRedis> {
    const certificate = selfSignedCertificate();
    const plain = await ScratchRedis.start(['--requirepass', password]);
    const tls = await ScratchRedis.start(['--requirepass', password], certificate);
    return new PasswordProtectedRedis(plain, tls, certificate.cert, certificate.dir);
  }

  /** For afterAll: both servers killed, the certificate removed. */
  async kill(): Promise<void> {
    await Promise.all([this.plain.kill(), this.tls.kill()]);
    rmSync(this.certificateDir, { recursive: true, force: true });
  }
}
