/**
 * Pareto front for "lower x is better, higher y is better" (latency vs accuracy).
 * Returns the row indices on the front, sorted by increasing x. NaN rows are ignored.
 * O(n log n): sort by x (ties: higher y first), then keep each point that beats every y so far.
 */
export function paretoFront(x: ArrayLike<number>, y: ArrayLike<number>, rows?: ArrayLike<number>): number[] {
  const ids: number[] = [];
  const n = rows ? rows.length : x.length;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) ids.push(i);
  }
  ids.sort((a, b) => x[a] - x[b] || y[b] - y[a]);
  const front: number[] = [];
  let bestY = -Infinity;
  for (const i of ids) {
    if (y[i] > bestY) {
      front.push(i);
      bestY = y[i];
    }
  }
  return front;
}
