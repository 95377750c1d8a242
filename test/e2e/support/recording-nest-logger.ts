import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** One line written through Nest's `Logger`. */
export interface LoggedLine {
  level: LogLevel;
  context: string | undefined;
  message: string;
}

/**
 * The Nest logger of the e2e instances: it keeps every line, whatever its level, so that a test can look
 * for what the app logged, and prints only errors and warnings, as the instances did before. Nest routes
 * every `new Logger(context)` to the logger of the application created last, so the instances of one
 * fixture share one.
 */
export class RecordingNestLogger extends ConsoleLogger {
  readonly lines: LoggedLine[] = [];

  constructor() {
    super({ logLevels: ['error', 'warn'] });
  }

  /** The messages logged with the given context (e.g. `UserStore`). */
  messagesOf(context: string): string[] {
    return this.lines.filter((line) => line.context === context).map((line) => line.message);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    this.#record('log', message, rest);
    super.log(message, ...rest);
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    this.#record('warn', message, rest);
    super.warn(message, ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    this.#record('error', message, rest);
    super.error(message, ...rest);
  }

  override debug(message: unknown, ...rest: unknown[]): void {
    this.#record('debug', message, rest);
    super.debug(message, ...rest);
  }

  override verbose(message: unknown, ...rest: unknown[]): void {
    this.#record('verbose', message, rest);
    super.verbose(message, ...rest);
  }

  // Nest passes the context as the last argument.
  #record(level: LogLevel, message: unknown, rest: unknown[]): void {
    const last = rest.at(-1);
    this.lines.push({
      level,
      context: typeof last === 'string' ? last : undefined,
      message: String(message),
    });
  }
}
