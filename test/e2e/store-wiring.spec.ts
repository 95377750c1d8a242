import { describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { DelegatedStore, MemoryStore, type OperationContext } from '../../lib/index.js';
import { loggingMiddleware } from '../../sample-app/src/users/store/logging.middleware.js';
import { primaryBackFillMonitor } from '../../sample-app/src/users/store/primary-backfill-monitor.js';
import { keyFamily, userIdOf } from '../../sample-app/src/users/user-keys.js';

function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: unknown) => void lines.push(`${level} ${String(message)}`);
  return { lines, log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug') };
}

const ctx: OperationContext = { operation: 'get', metadata: {} };

describe('the user store wiring', () => {
  it('the monitoring callback warns when the primary layer is back-filled, with the key and no value', () => {
    const logger = recordingLogger();
    const monitor = primaryBackFillMonitor<string>(logger);
    void monitor(ctx, 'user:1', 'secret value', 0, false);
    expect(logger.lines).toEqual([]);
    void monitor(ctx, 'user:1', 'secret value', 0, true);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^warn the primary layer \(index 0\) was back-filled with user:1 during get/,
    );
    expect(logger.lines[0]).not.toContain('secret value');
  });

  it('the logging middleware logs each operation at debug level, with its key and never its value', async () => {
    const logger = recordingLogger();
    const store = new DelegatedStore<string, string>([{ store: new MemoryStore(), name: 'memory' }]);
    store.use(loggingMiddleware(logger));
    await store.set('user:1', 'secret value');
    await store.get('user:1');
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]).toMatch(/^debug set user:1 done in \d+\.\d\d ms$/);
    expect(logger.lines[1]).toMatch(/^debug get user:1 done in/);
    await store.close();
  });

  it('preheats only exact user:<id> keys, so that the views never trigger a preheat', () => {
    expect(userIdOf('user:42')).toBe('42');
    for (const key of ['user:profile:42', 'user:summary:42', 'user:042', 'user:', 'users:42', 'user:42:x']) {
      expect(userIdOf(key)).toBeUndefined();
    }
    expect(['user:1', 'user:profile:1', 'user:summary:1', 'other'].map(keyFamily)).toEqual([
      'user',
      'profile',
      'summary',
      'other',
    ]);
  });
});
