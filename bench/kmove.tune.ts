/**
 * A developer's check for issue 17 item 4: the layer op and AdamW as WebAssembly text (src/lib/kernels)
 * against the hand-emitted modules they replaced, timed alternately in one Node process on the same
 * inputs (400 rows × 600, the 4×600 GCN's layer at batch 50; AdamW over 600×600). `KMOVE_BEFORE` is a
 * checkout of the commit before the move (235f4ac), e.g. `git worktree add /tmp/wt-before 235f4ac`:
 *
 *   KMOVE_BEFORE=/tmp/wt-before npx vitest run -c vitest.tune.config.ts bench/kmove.tune.ts
 *
 * It first checks that the GEMM emitter's modules are the same bytes before and after (no timing needed).
 */
import { test } from 'vitest';
import { layerModuleBytes as layerAfter } from '../src/lib/kernels/layer';
import { adamwModuleBytes as adamwAfter } from '../src/lib/kernels/adamw';
import { gemmModuleBytes as gemmAfter } from '../src/lib/kernels/gemm';

type ModuleBytes = (memory: 'own') => Uint8Array<ArrayBuffer>;

function inst(bytes: Uint8Array<ArrayBuffer>) {
  const i = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const mem = i.exports.memory as WebAssembly.Memory;
  mem.grow(200);
  new Float32Array(mem.buffer).forEach((_, k, a) => (a[k] = Math.sin(k) * 0.5));
  return i.exports as Record<string, (...a: number[]) => void>;
}
const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];

test('kernels before/after', async () => {
  const before = process.env.KMOVE_BEFORE;
  if (!before) throw new Error('set KMOVE_BEFORE to a checkout of 235f4ac');
  const layerBefore = ((await import(/* @vite-ignore */ `${before}/src/lib/predictor/layer-simd.ts`)) as { layerModuleBytes: ModuleBytes }).layerModuleBytes;
  const adamwBefore = ((await import(/* @vite-ignore */ `${before}/src/lib/predictor/adamw-simd.ts`)) as { adamwModuleBytes: ModuleBytes }).adamwModuleBytes;
  const gemmBefore = ((await import(/* @vite-ignore */ `${before}/src/lib/predictor/gemm-simd.ts`)) as { gemmModuleBytes: typeof gemmAfter }).gemmModuleBytes;
  for (const [inWidth, outWidth] of [
    [600, 600],
    [7, 600],
  ])
    for (const relaxed of [false, true])
      for (const shared of [false, true]) {
        const same = gemmAfter(inWidth, outWidth, relaxed, shared).join() === gemmBefore(inWidth, outWidth, relaxed, shared).join();
        console.log(`gemm ${inWidth}×${outWidth} relaxed ${relaxed} shared ${shared}: ${same ? 'same bytes' : 'DIFFERENT bytes'}`);
      }
  const rows = 400,
    width = 600,
    rb = width * 4,
    M = rows * rb;
  const L = { before: inst(layerBefore('own')), after: inst(layerAfter('own')) };
  const A = { before: inst(adamwBefore('own')), after: inst(adamwAfter('own')) };
  const res: Record<string, number[]> = {};
  for (let rep = 0; rep < 30; rep++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    for (const which of rep % 2 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
      const l = L[which];
      let t = performance.now();
      for (let i = 0; i < 20; i++) {
        l.forward(0, M, M + rb, M + 2 * rb, M + 3 * rb, 2 * M + 3 * rb, 3 * M + 3 * rb, rows, rb, 1.25, 1e-5, width);
        l.backward(0, M + 3 * rb, 2 * M + 3 * rb, 3 * M + 3 * rb, M + rb, 4 * M, 5 * M, 5 * M + rb, 5 * M + 2 * rb, rows, rb, 1.25, width);
      }
      (res[`layer ${which}`] ??= []).push((performance.now() - t) / 20);
      const a = A[which];
      const n = 600 * 600 * 4;
      t = performance.now();
      for (let i = 0; i < 20; i++) a.adamw(0, n, 2 * n, 3 * n, n, 0.9, 0.1, 0.999, 0.001, 1e-8, 1e-3, 1.0, 0.9995, 4 * n);
      (res[`adamw ${which}`] ??= []).push((performance.now() - t) / 20);
    }
  }
  for (const [k, v] of Object.entries(res)) console.log(`${k}: median ${median(v).toFixed(3)} ms, min ${Math.min(...v).toFixed(3)} ms (30 rounds of 20 calls)`);
});
