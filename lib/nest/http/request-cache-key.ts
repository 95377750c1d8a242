/**
 * The default cache key of a request: `GET /users?limit=10&offset=20`, the method and the URL with its
 * query parameters sorted by name, so that `?b=2&a=1` and `?a=1&b=2` share one entry. Parameters of the
 * same name keep their order (`?tag=x&tag=y` is a list, and its order may matter); equal encodings of a
 * value (`%20` and `+`) give one key.
 */
export function requestCacheKey(method: string, url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return `${method} ${url}`;
  const params = new URLSearchParams(url.slice(start + 1));
  params.sort();
  const query = params.toString();
  const path = url.slice(0, start);
  return query === '' ? `${method} ${path}` : `${method} ${path}?${query}`;
}
