/**
 * The neighbour sums of the distinct-row GCN pass (distinct-rows.ts), in two forms that add the
 * same rows in the same order: on the wasm backend's heap as a tfjs kernel around
 * kernels/row-sum.ts (the rows never leave the heap), or a float32 loop in JS over values read back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapKernelsAvailable, heapOffset, registerMissingKernels, wasmHeapOf } from './host-values.ts';
import { rowSumOn } from '../kernels/row-sum.ts';

/**
 * How the neighbour sums run: 'heap' (WASM with SIMD, width a multiple of 4): a kernel of the
 * wasm backend on its own heap, so the rows never leave it; 'js': a float32 loop over the values
 * read back. The same additions in the same order, so the same bits.
 */
export type RowSumForm = 'heap' | 'js';

export function defaultRowSumForm(width: number): RowSumForm {
  return width % 4 === 0 && heapKernelsAvailable() ? 'heap' : 'js';
}

const ROW_SUM = 'BrpNasRowSum';

const ROW_SUM_KERNELS: tf.KernelConfig[] = [
  // {x [R, H] float32, offsets [U + 1] int32, neighbours [E] int32} → [U, H]
  {
    kernelName: ROW_SUM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { heap, memory } = wasmHeapOf(backend, 'row-sum');
      const [x, offsets, neighbours] = (['x', 'offsets', 'neighbours'] as const).map((input) => inputs[input] as tf.TensorInfo);
      const [inRows, width] = x.shape;
      const rows = offsets.shape[0] - 1;
      // The loop trusts its indices: a bad one would read other heap data, not fail.
      if (x.dtype !== 'float32' || x.shape.length !== 2 || width % 4 !== 0 || offsets.dtype !== 'int32' || neighbours.dtype !== 'int32' || rows < 0) {
        throw new Error(
          `row-sum: x [rows, width] float32 (width a multiple of 4), int32 offsets and neighbours expected, got ${x.dtype} [${x.shape}], ${offsets.dtype} [${offsets.shape}], ${neighbours.dtype} [${neighbours.shape}]`,
        );
      }
      const inOffsets = [x, offsets, neighbours].map((t) => heapOffset(heap, t)); // before allocating (heapOffset's rule)
      const out = heap.makeOutput([rows, width], 'float32');
      const outOffset = heapOffset(heap, out);
      if (rows > 0) {
        const offsetValues = new Int32Array(memory.buffer, inOffsets[1], rows + 1);
        const entries = neighbours.shape[0];
        if (!(offsetValues[0] >= 0 && offsetValues[rows] <= entries)) throw new Error(`row-sum: offsets ${offsetValues[0]}..${offsetValues[rows]} outside the ${entries} neighbours`);
        const neighbourValues = new Int32Array(memory.buffer, inOffsets[2], entries);
        for (let e = offsetValues[0]; e < offsetValues[rows]; e++) {
          if (!(neighbourValues[e] >= 0 && neighbourValues[e] < inRows)) throw new Error(`row-sum: neighbour ${neighbourValues[e]} outside ${inRows} rows`);
        }
        rowSumOn(memory)(inOffsets[0], inOffsets[1], inOffsets[2], outOffset, rows, width * 4);
      }
      return out;
    },
  },
];

/** Sums of rows of `source` over planned neighbour lists: rows start..end of the layer. */
export interface RowSummer {
  sum(start: number, end: number): tf.Tensor2D;
  dispose(): void;
}

/**
 * `previous`: the values of `source`, read by the caller for the 'js' form (null for 'heap'), so
 * the read can be synchronous or awaited (see {@link distinctRowSteps}).
 */
export function rowSummer(source: tf.Tensor2D, previous: Float32Array | null, offsets: Int32Array, neighbours: Int32Array, form: RowSumForm): RowSummer {
  const width = source.shape[1];
  if (form === 'heap') {
    registerMissingKernels(ROW_SUM_KERNELS);
    // an empty tensor may have no heap data: give the kernel one entry it never reads
    const neighbourTensor = tf.tensor1d(neighbours.length > 0 ? neighbours : new Int32Array(1), 'int32');
    return {
      sum: (start, end) =>
        tf.tidy(() => {
          const offsetTensor = tf.tensor1d(offsets.subarray(start, end + 1), 'int32');
          return tf.engine().runKernel(ROW_SUM, { x: source, offsets: offsetTensor, neighbours: neighbourTensor }, {}) as tf.Tensor2D;
        }),
      dispose: () => neighbourTensor.dispose(),
    };
  }
  if (!previous) throw new Error('row-sum: the js form needs the previous rows read back');
  return {
    sum: (start, end) => {
      const out = new Float32Array((end - start) * width);
      for (let u = start; u < end; u++) {
        const o = (u - start) * width;
        const last = offsets[u + 1];
        let e = offsets[u];
        if (e === last) continue;
        const first = neighbours[e++] * width;
        out.set(previous.subarray(first, first + width), o); // = 0 + row, exactly
        for (; e < last; e++) {
          const p = neighbours[e] * width;
          for (let c = 0; c < width; c++) out[o + c] += previous[p + c];
        }
      }
      return tf.tensor2d(out, [end - start, width]);
    },
    dispose: () => undefined,
  };
}
