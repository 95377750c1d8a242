import type { StoreErrorSource } from '../core/options.js';

/** How a store is called in messages. */
export function describeStore(name: string | undefined): string {
  return name === undefined ? 'the default store' : `the store "${name}"`;
}

export function duplicateStoreMessage(
  label: string | undefined,
  count: number,
  typedClass: string | undefined,
): string {
  const registration =
    typedClass !== undefined
      ? `${typedClass}.forRoot/forRootAsync`
      : `forRoot/forRootAsync with ${label === undefined ? 'no name' : `name: '${label}'`}`;
  return (
    `DelegatedStoreModule: ${describeStore(label)} is registered ${count} times in this application ` +
    `(${registration}). Register each store once: give the stores different names, ` +
    `or import the same module everywhere (isGlobal: true makes it reachable from every module).`
  );
}

/** What failed, without the key or the value: those may be personal data. */
export function storeFailureMessage(source: StoreErrorSource, error: unknown): string {
  const during = source.operation ? ` during ${source.operation}` : '';
  const reason = error instanceof Error ? error.message : String(error);
  switch (source.kind) {
    case 'layer':
      return `layer "${source.layerName}" failed${during}; the store went on without it: ${reason}`;
    case 'backfill':
      return `backfill of layer "${source.layerName}" failed${during}: ${reason}`;
    case 'callback':
      return source.callback === 'onChange' || source.callback === 'onDelete'
        ? `an ${source.callback} callback failed${during}; the write itself succeeded: ${reason}`
        : source.callback === 'change'
          ? `reading the old value for the change callbacks failed${during}; the write went ahead without them: ${reason}`
          : `a backfill callback failed (layer "${source.layerName}"${during}): ${reason}`;
    case 'subscriber':
      return `a backFill$ subscriber threw; the store went on: ${reason}`;
    case 'refresh':
      return `the background refresh of a stale entry failed (layer "${source.layerName}"); the stale value stays servable within its grace: ${reason}`;
    case 'bus':
      return `the invalidation bus failed: ${reason}`;
    default:
      return `contained failure${during}: ${reason}`;
  }
}
