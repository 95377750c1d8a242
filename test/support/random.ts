/** xorshift32: a deterministic spread of keys and operations, in 32-bit integers (seed, then each result). */
export function nextRandom(n: number): number {
  let x = n | 0 || 1;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
