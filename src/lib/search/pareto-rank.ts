/**
 * Non-dominated sorting in two objectives (lower x better, higher y better): the layer of each
 * point, 0 = the Pareto front, 1 = the front once layer 0 is removed, and so on. Pareto mode
 * ranks candidates by −layer so the iterative selection takes predicted fronts first.
 */
export function paretoLayers(x: ArrayLike<number>, y: ArrayLike<number>, rows: ArrayLike<number>): Map<number, number> {
  const ids = Array.from(rows).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  ids.sort((a, b) => x[a] - x[b] || y[b] - y[a]);
  // bestY[k]: the highest y placed in layer k so far (non-increasing in k), so a point joins the
  // first layer none of whose earlier (faster) points is at least as accurate.
  const bestY: number[] = [];
  const layer = new Map<number, number>();
  for (const i of ids) {
    let low = 0;
    let high = bestY.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (bestY[mid] < y[i]) high = mid;
      else low = mid + 1;
    }
    if (low === bestY.length) bestY.push(y[i]);
    else bestY[low] = y[i];
    layer.set(i, low);
  }
  return layer;
}
