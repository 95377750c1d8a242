import type { Cluster } from 'ioredis';

type PipelineResults = Array<[error: Error | null, result: unknown]> | null;

export type Pipeline = ReturnType<Cluster['pipeline']>;

/** A command as part of a node's pipeline, and the same command sent on its own. */
export interface SlotCommand {
  add(pipeline: Pipeline): unknown;
  alone(): Promise<unknown>;
}

/**
 * Sends one node's commands as one pipeline (one round trip), and resolves `[error, result]` for each.
 * ioredis follows a MOVED or ASK for a pipeline only when every command got the same one; when a
 * failover or a resharding moved only some of the slots, each redirected command is sent again on its
 * own, which ioredis redirects (and which makes it refresh its slot table). The same when the slot
 * table changed between planning and sending and ioredis refuses the pipeline.
 */
export async function sendPipeline(
  cluster: Cluster,
  commands: readonly SlotCommand[],
): Promise<Array<[error: Error | null, result: unknown]>> {
  const pipeline = cluster.pipeline();
  for (const command of commands) command.add(pipeline);
  let results: PipelineResults;
  try {
    results = await pipeline.exec();
  } catch (error) {
    if (!/slots allocation group|should belong to the same slot/.test(String((error as Error)?.message))) {
      return commands.map(() => [error as Error, undefined]);
    }
    results = commands.map(() => [REDIRECTED, undefined]);
  }
  return Promise.all(
    commands.map(async (command, i): Promise<[Error | null, unknown]> => {
      const result = resultAt(results, i);
      if (result[0] === null || !isRedirection(result[0])) return result;
      return command.alone().then(
        (value): [null, unknown] => [null, value],
        (error: Error): [Error, undefined] => [error, undefined],
      );
    }),
  );
}

const REDIRECTED = new Error('MOVED (the slot table changed)');

function isRedirection(error: Error): boolean {
  return error === REDIRECTED || /^(MOVED|ASK) /.test(String(error.message));
}

function resultAt(results: PipelineResults, index: number): [error: Error | null, result: unknown] {
  return results?.[index] ?? [new Error('RedisStore: the pipeline was aborted'), undefined];
}
