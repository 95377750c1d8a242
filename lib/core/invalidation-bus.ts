/** Carries written keys between store instances, so that each can drop its process-local copies. */
export interface InvalidationBus {
  publish(keys: readonly string[]): Promise<void>;
  /** Messages from other instances only. */
  subscribe(onKeys: (keys: string[]) => void): Promise<void>;
  close(): Promise<void>;
}
