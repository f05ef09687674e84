/** Seeded inputs for the kernel tests: a generator of their own, so this room imports nothing of ours. */

/** `length` float32 values in [low, high) from an xorshift32 stream seeded with `seed`. */
export function randomValues(seed: number, length: number, low: number, high: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return low + ((s >>> 8) / 2 ** 24) * (high - low);
  });
}
