/** loggingMiddleware and metricsMiddleware: a log line pair and a sample per operation. */
import {
  DelegatedStore,
  MemoryStore,
  loggingMiddleware,
  metricsMiddleware,
  withMiddlewares,
  type OperationSample,
} from 'nestjs-delegated-store';

export async function loggingAndMetrics() {
  const lines: string[] = [];
  const samples: OperationSample[] = [];
  const store = new DelegatedStore<string, string>(
    [{ name: 'memory', store: new MemoryStore(), ttl: 60_000 }],
    withMiddlewares(
      // Any { log(message), error?(message) }: console (the default), Nest's Logger, pino...
      loggingMiddleware({ log: (line) => lines.push(line), error: (line) => lines.push(`ERROR ${line}`) }),
      // Called once per operation after it settled: feed a Prometheus histogram, StatsD, OpenTelemetry...
      metricsMiddleware((sample) => samples.push(sample)),
    ),
  );

  await store.set('user:1', 'Ada'); // the value is never logged
  await store.get('user:1');
  await store.get('user:2');
  await store.getMany(['user:1', 'user:2']);
  const failing = async (): Promise<string> => {
    throw new Error('the API is down');
  };
  await store.getOrLoad('user:3', failing).catch(() => undefined); // logged with the error's message

  await store.close();
  return {
    lines: lines.map((line) => line.replace(/\(\d+\.\d ms\)/, '(… ms)')),
    operations: samples.map((sample) => sample.operation),
    durationsAreNumbers: samples.every((sample) => typeof sample.durationMs === 'number'),
  };
}
