/**
 * The kernels' outputs, byte for byte, on seeded random inputs, against a committed snapshot
 * (__snapshots__/kernel-outputs.json, row-sum-outputs.json) taken from the hand-assembled modules
 * that the WAT sources replaced: every memory form of the layer op, AdamW and the row sum, and the
 * bytes of the GEMM modules (still emitted) for a spread of shapes and flavours. A change in any
 * output bit fails here.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { layerModuleBytes } from './layer.ts';
import { adamwModuleBytes } from './adamw.ts';
import { gemmModuleBytes } from './gemm.ts';
import { rowSumModuleBytes } from './row-sum.ts';
import { randomValues } from './test-values.ts';
import { type MemoryForm } from './wasm-asm.ts';
const FORMS: MemoryForm[] = ['own', 'import', 'import-shared'];

const digest = (values: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex')
    .slice(0, 32);

/** The module's exports and the memory it works on, for each memory form. */
function instantiate(bytes: Uint8Array<ArrayBuffer>, form: MemoryForm) {
  if (form === 'own') {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Record<string, unknown>;
    return { exports, memory: exports.memory as WebAssembly.Memory };
  }
  const memory = form === 'import-shared' ? new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true }) : new WebAssembly.Memory({ initial: 1 });
  return { exports: new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, unknown>, memory };
}

/**
 * Consecutive arrays from byte `from` on (64 by default: not 0, so a bug reading address 0
 * shows); a number is an output of that length, filled with NaN. Returns their offsets and the end.
 */
function place(memory: WebAssembly.Memory, arrays: (Float32Array | number)[], from = 64): number[] {
  const lengths = arrays.map((a) => (typeof a === 'number' ? a : a.length));
  const end = lengths.reduce((sum, n) => sum + 4 * n + 64, from);
  const have = memory.buffer.byteLength;
  if (end > have) memory.grow(Math.ceil((end - have) / 65536));
  let offset = from;
  return arrays
    .map((a, i) => {
      const at = offset;
      const view = new Float32Array(memory.buffer, at, lengths[i]);
      if (typeof a === 'number') view.fill(Number.NaN);
      else view.set(a);
      offset += 4 * lengths[i] + 64;
      return at;
    })
    .concat(offset);
}

/** Every value finite and some not zero: a digest of garbage would pin nothing. */
function meaningful(values: Float32Array): Float32Array {
  expect(values.every(Number.isFinite)).toBe(true);
  expect(values.some((v) => v !== 0)).toBe(true);
  return values;
}

const LAYER_SHAPES: [number, number, number][] = [
  // rows, width, scale (1/(1 − dropout rate))
  [1, 4, 1],
  [5, 12, 1.25],
  [72, 600, 1],
  [9, 600, 1 / 0.9],
];

function layerDigests(form: MemoryForm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rows, width, scale] of LAYER_SHAPES) {
    const seed = rows * 7919 + width;
    const { exports, memory } = instantiate(layerModuleBytes(form), form);
    const size = rows * width;
    const input = randomValues(seed, size, -3, 3);
    input[0] = 0; // an exact zero among the inputs
    const [a, bias, gain, shift, o, norm, rstd, forwardEnd] = place(memory, [
      input,
      randomValues(seed + 1, width, -0.5, 0.5),
      randomValues(seed + 2, width, 0.5, 1.5),
      randomValues(seed + 3, width, -0.3, 0.3),
      size,
      size,
      rows,
    ]);
    (exports.forward as (...args: number[]) => void)(a, bias, gain, shift, o, norm, rstd, rows, width * 4, scale, 1e-5, width);
    const view = (offset: number, length: number) => new Float32Array(memory.buffer, offset, length);
    // the dropout mask zeroes some outputs before the backward pass (heap-layer.ts, SimdLayer)
    const output = view(o, size);
    for (let i = 3; i < size; i += 7) output[i] = 0;
    const key = `${rows}x${width}`;
    out[`layer ${key} forward`] = digest(meaningful(Float32Array.from([...view(o, size), ...view(norm, size), ...view(rstd, rows)])));
    // after the forward regions, so out, norm, rstd and gain stay in place
    const [dy, dIn, dBias, dGain, dShift] = place(memory, [randomValues(seed + 4, size, -1, 1), size, width, width, width], forwardEnd);
    for (const region of [dBias, dGain, dShift]) view(region, width).fill(0);
    (exports.backward as (...args: number[]) => void)(dy, o, norm, rstd, gain, dIn, dBias, dGain, dShift, rows, width * 4, scale, width);
    out[`layer ${key} backward`] = digest(meaningful(Float32Array.from([...view(dIn, size), ...view(dBias, width), ...view(dGain, width), ...view(dShift, width)])));
  }
  return out;
}

function adamwDigests(form: MemoryForm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const size of [4, 20, 600 * 600]) {
    for (const inPlace of [true, false]) {
      const { exports, memory } = instantiate(adamwModuleBytes(form), form);
      const [w, g, m, v, wOut] = place(memory, [randomValues(size, size, -1, 1), size, new Float32Array(size), new Float32Array(size), size]);
      const view = (offset: number) => new Float32Array(memory.buffer, offset, size);
      const target = inPlace ? w : wOut;
      for (let step = 1; step <= 3; step++) {
        view(g).set(randomValues(size * 31 + step, size, -2, 2));
        const [beta1, beta2, lr, wd] = [0.9, 0.999, 0.01 / step, 5e-4];
        (exports.adamw as (...args: number[]) => void)(w, g, m, v, size * 4, beta1, 1 - beta1, beta2, 1 - beta2, 1e-8, lr / (1 - beta1 ** step), 1 / Math.sqrt(1 - beta2 ** step), 1 - lr * wd, target);
        if (!inPlace) view(w).set(view(wOut));
      }
      out[`adamw ${size} ${inPlace ? 'in place' : 'out of place'}`] = digest(meaningful(Float32Array.from([...view(target), ...view(m), ...view(v)])));
    }
  }
  return out;
}

/** The row sum over a random neighbour list (rows with 0 to 6 neighbours, repeats allowed), per shape. */
function rowSumDigests(form: Exclude<MemoryForm, 'own'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [sources, rows, width] of [
    [50, 37, 24],
    [9, 9, 600],
    [400, 300, 128],
  ]) {
    const { exports, memory } = instantiate(rowSumModuleBytes(form === 'import-shared'), form);
    const seed = rows * 7919 + width;
    const degrees = Array.from({ length: rows }, (_, u) => (u * 5 + seed) % 7);
    const edges = degrees.reduce((a, b) => a + b, 0);
    const picks = randomValues(seed + 1, edges, 0, sources);
    const [x, offsets, neighbours, o] = place(memory, [randomValues(seed, sources * width, -1e3, 1e3), rows + 1, Math.max(1, edges), rows * width]);
    const offsetView = new Int32Array(memory.buffer, offsets, rows + 1);
    const neighbourView = new Int32Array(memory.buffer, neighbours, Math.max(1, edges));
    let e = 0;
    degrees.forEach((degree, u) => {
      offsetView[u] = e;
      for (let j = 0; j < degree; j++, e++) neighbourView[e] = Math.min(sources - 1, Math.floor(picks[e]));
    });
    offsetView[rows] = e;
    (exports.rowSum as (...args: number[]) => void)(x, offsets, neighbours, o, rows, width * 4);
    out[`row sum ${sources} → ${rows}x${width}`] = digest(meaningful(new Float32Array(memory.buffer, o, rows * width)));
  }
  return out;
}

describe('kernel outputs against the snapshot of the hand-assembled modules', () => {
  test('row sum, both imported memories', async () => {
    const digests = rowSumDigests('import');
    expect(rowSumDigests('import-shared')).toEqual(digests);
    await expect(JSON.stringify(digests, null, 2) + '\n').toMatchFileSnapshot(`./__snapshots__/row-sum-outputs.json`);
  });

  test.each(FORMS)('layer op and AdamW, %s memory', async (form) => {
    const digests = { ...layerDigests(form), ...adamwDigests(form) };
    // every memory form computes the same bits
    if (form !== 'own') expect(digests).toEqual({ ...layerDigests('own'), ...adamwDigests('own') });
    await expect(JSON.stringify(digests, null, 2) + '\n').toMatchFileSnapshot(`./__snapshots__/kernel-outputs.json`);
  });

  test('GEMM module bytes', async () => {
    const digests: Record<string, string> = {};
    for (const [k, n] of [
      [6, 600],
      [600, 600],
      [12, 24],
      [7, 8],
      [64, 16],
    ]) {
      for (const relaxed of [false, true])
        for (const shared of [false, true]) digests[`gemm ${k}x${n}${relaxed ? ' relaxed' : ''}${shared ? ' shared' : ''}`] = digest(gemmModuleBytes(k, n, relaxed, shared));
    }
    await expect(JSON.stringify(digests, null, 2) + '\n').toMatchFileSnapshot(`./__snapshots__/gemm-modules.json`);
  });
});
