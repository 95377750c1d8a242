import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA, SSE_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';

/** Per handler, computed once: its metadata does not change after the application started. */
const verdicts = new WeakMap<Function, boolean>();

/**
 * Whether a route cannot be cached whatever it returns: a handler that takes the response object
 * (`@Res()`, with or without `passthrough`, or `@Next()`) writes the response, or sets headers, cookies or
 * a status that a cached answer could not replay; a server-sent-events route (`@Sse()`) streams.
 */
export function isUncacheableRoute(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  let verdict = verdicts.get(handler);
  if (verdict === undefined) {
    verdict =
      usesResponse(context.getClass(), handler) || Reflect.getMetadata(SSE_METADATA, handler) === true;
    verdicts.set(handler, verdict);
  }
  return verdict;
}

function usesResponse(controller: Function, handler: Function): boolean {
  const args: Record<string, unknown> | undefined = Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    controller,
    handler.name,
  );
  if (args === undefined) return false;
  return Object.keys(args).some((entry) => {
    const type = Number(entry.split(':')[0]);
    return type === RouteParamtypes.RESPONSE || type === RouteParamtypes.NEXT;
  });
}
