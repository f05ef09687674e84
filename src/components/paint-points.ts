/**
 * Paints n points as small squares on a canvas sized w × h CSS pixels (sharp on HiDPI screens).
 * Points outside the canvas, or with a non-finite coordinate, are skipped. Returns how many were
 * painted. Canvas, not SVG: 15,625 SVG nodes would make every redraw slow.
 */
export function paintPoints(canvas: HTMLCanvasElement, w: number, h: number, n: number, xAt: (k: number) => number, yAt: (k: number) => number): number {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = 'rgba(70, 90, 140, 0.35)';
  let painted = 0;
  for (let k = 0; k < n; k++) {
    const px = xAt(k), py = yAt(k);
    if (!(px >= -2 && px <= w + 2 && py >= -2 && py <= h + 2)) continue;
    ctx.fillRect(px - 1.25, py - 1.25, 2.5, 2.5);
    painted++;
  }
  return painted;
}
