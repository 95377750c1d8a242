/** Runs per property: FC_NUM_RUNS (npm run test:deep sets 2000), else a modest default for npm test. */
export function numRuns(fallback: number): number {
  const fromEnv = Number(process.env.FC_NUM_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

/** A fixed seed, so that npm test is deterministic; FC_SEED explores other programs. */
export function seed(): number {
  const fromEnv = Number(process.env.FC_SEED);
  return process.env.FC_SEED !== undefined && Number.isInteger(fromEnv) ? fromEnv : 20_261_128;
}
