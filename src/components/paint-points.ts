/**
 * Paints n points as small squares on a canvas sized w × h CSS pixels (sharp on HiDPI screens).
 * Points outside the canvas, or with a non-finite coordinate, are skipped. Returns how many were
 * painted. Canvas, not SVG: 15,625 SVG nodes would make every redraw slow.
 *
 * The squares are composed here into one image and put on the canvas at once: 15,625 fillRect
 * calls would be rasterised by the browser on the main thread, a long task for every frame.
 */
export function paintPoints(canvas: HTMLCanvasElement, w: number, h: number, n: number, xAt: (k: number) => number, yAt: (k: number) => number): number {
  const dpr = window.devicePixelRatio || 1;
  const width = Math.round(w * dpr),
    height = Math.round(h * dpr);
  canvas.width = width;
  canvas.height = height;
  // A canvas in memory, not on the GPU: putImageData is then a copy, not an upload per frame.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx || width === 0 || height === 0) return 0;
  const image = ctx.createImageData(width, height);
  // Every pixel gets the points' colour, fully transparent (one native fill, no loop over pixels);
  // the points then only raise the opacity of the pixels they cover.
  const [r, g, b] = POINT_RGB;
  if (new Uint8Array(Uint32Array.of(1).buffer)[0] === 1) new Uint32Array(image.data.buffer).fill((b << 16) | (g << 8) | r);
  else new Uint32Array(image.data.buffer).fill(((r << 24) | (g << 16) | (b << 8)) >>> 0);
  const painted = coverPoints(image.data, width, height, dpr, w, h, n, xAt, yAt);
  ctx.putImageData(image, 0, 0);
  return painted;
}

/** The points' colour, and the opacity of one point: overlapping points darken. */
const POINT_RGB = [70, 90, 140] as const;
export const POINT_OPACITY = 0.35;
/** Half the side of a point's square, CSS pixels. */
const HALF = 1.25;

/**
 * Raises the opacity (`rgba`'s every fourth byte, width × height device pixels, row-major) where
 * the points are: squares of side 2 × HALF CSS pixels at (xAt(k), yAt(k)) CSS pixels, composed as
 * the canvas composes fillRect calls one over another. A pixel partly covered gets the opacity
 * times the share covered (antialiasing), and since every point has the same colour, source-over
 * composition only adds opacity: α ← α + (1 − α) · opacity · covered. Points beyond 2 CSS pixels
 * outside w × h are skipped. Returns how many were painted.
 */
export function coverPoints(rgba: Uint8ClampedArray, width: number, height: number, dpr: number, w: number, h: number, n: number, xAt: (k: number) => number, yAt: (k: number) => number): number {
  const half = HALF * dpr;
  let painted = 0;
  for (let k = 0; k < n; k++) {
    const px = xAt(k),
      py = yAt(k);
    if (!(px >= -2 && px <= w + 2 && py >= -2 && py <= h + 2)) continue;
    painted++;
    const x0 = px * dpr - half,
      x1 = px * dpr + half,
      y0 = py * dpr - half,
      y1 = py * dpr + half;
    const c0 = Math.max(0, Math.floor(x0)),
      c1 = Math.min(width - 1, Math.ceil(x1) - 1);
    const r0 = Math.max(0, Math.floor(y0)),
      r1 = Math.min(height - 1, Math.ceil(y1) - 1);
    for (let r = r0; r <= r1; r++) {
      const coverY = Math.min(y1, r + 1) - Math.max(y0, r);
      for (let c = c0; c <= c1; c++) {
        const coverX = Math.min(x1, c + 1) - Math.max(x0, c);
        const a = 4 * (r * width + c) + 3;
        rgba[a] += (255 - rgba[a]) * POINT_OPACITY * coverX * coverY;
      }
    }
  }
  return painted;
}
