/**
 * AdamW as torch.optim.AdamW (amsgrad off), which eagle uses; tfjs has no AdamW. Per step t:
 *
 *     p ← p·(1 − lr·wd)                       decoupled decay, same lr as the step
 *     m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
 *     p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * The learning rate is passed to every step, so schedules stay outside (schedules.ts). ε is
 * explicit (1e-8): tfjs's own optimizers default to 1e-4 on WebGL, which would drift.
 *
 * Three ways to run the same update: tfjs kernels (GPU backends, where the weights live on the
 * GPU), a JS loop for small variables and one WebAssembly SIMD loop for big ones (WASM and cpu;
 * kernels/adamw.wat, bit-identical to the kernels).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SimdAdamW, type StepScalars } from '../kernels/adamw.ts';
import { createHeapMoments, heapAdamWApplies, heapAdamWStep, type HeapMoments } from './heap-adamw.ts';
import { hostSimdAvailable, hostValues, tensorFromView } from './host-values.ts';
import { simdSupported } from '../kernels/wasm-asm.ts';

/**
 * Variables of at most this many values get their update from one JS loop instead of tfjs
 * kernels, on backends whose tensors live in JS or WASM memory.
 *
 * Why: the update takes 14 element-wise kernels per variable, and a kernel has a fixed cost
 * (dispatch, a new buffer) of tens of µs on WASM. The 4×600 GCN has 3 big weight matrices
 * (360,000 values each) and 15 small tensors (biases, LayerNorm, the first layer, the head):
 * 210 of its 252 kernels per step moved a few hundred values. A JS loop over the small ones costs
 * about 0.1 ms. The big ones do not go to JS: a JS loop over them was measured slower than
 * kernels (≈ 11 ns per value: the divide and square root do not vectorise in JS). They go to the
 * SIMD loop where it runs (see {@link defaultSimdUpdate}). The step timings behind both choices
 * are in bench-results/adamw-simd.md.
 */
export const SMALL_VARIABLE_VALUES = 65_536;

/** {@link SMALL_VARIABLE_VALUES} on WASM and cpu; 0 (kernels only) on GPU backends, where a read would cost a round trip. */
function defaultJsUpdateLimit(): number {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu' ? SMALL_VARIABLE_VALUES : 0;
}

/**
 * Whether variables above the JS limit are updated by the WebAssembly SIMD loop (kernels/adamw.wat)
 * instead of kernels: on WASM and cpu where the engine runs SIMD. Same float32 results as the
 * kernels, bit for bit, and faster at small batches (bench-results/adamw-simd.md).
 */
function defaultSimdUpdate(): boolean {
  return hostSimdAvailable();
}

export interface AdamWOptions {
  /** Decoupled weight decay coefficient (dimensionless). */
  weightDecay: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  epsilon?: number;
  /**
   * Variables of at most this many values are updated in a JS loop (count; default
   * {@link defaultJsUpdateLimit} on the backend active at construction; 0: none).
   */
  jsUpdateLimit?: number;
  /** Bigger variables by the SIMD loop (true) or by kernels (default {@link defaultSimdUpdate}). */
  simdUpdate?: boolean;
}

type Slot =
  | { kind: 'kernels'; variable: tf.Variable; m: tf.Variable; v: tf.Variable }
  | { kind: 'js'; variable: tf.Variable; m: Float32Array; v: Float32Array }
  /** The SIMD loop on the wasm heap, the moments kept there (heap-adamw.ts). */
  | { kind: 'heap'; variable: tf.Variable; moments: HeapMoments }
  /**
   * The SIMD loop in its own memory (other backends, or sizes the heap loop does not take):
   * `index` into its state, and `synced`: the variable's data the module's copy of the weights equals.
   */
  | { kind: 'simd'; variable: tf.Variable; index: number; synced: tf.DataId | null };

/**
 * The JS update of one variable; m and v are updated in place, the new weights returned in a
 * new array (on cpu, dataSync returns the tensor's own buffer, which clones share).
 */
function updateInJs(weights: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: StepScalars): Float32Array {
  const { beta1, beta2, epsilon, stepSize, secondMomentScale, decay } = step;
  const next = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    next[i] = weights[i] * decay - (stepSize * mi) / (Math.sqrt(vi) * secondMomentScale + epsilon);
  }
  return next;
}

export class AdamW {
  private readonly slots: Slot[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly simd: SimdAdamW | null;
  /** Steps taken so far. */
  step = 0;

  constructor(variables: readonly tf.Variable[], options: AdamWOptions) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay;
    const jsUpdateLimit = options.jsUpdateLimit ?? defaultJsUpdateLimit();
    const simdUpdate = options.simdUpdate ?? defaultSimdUpdate();
    if (simdUpdate && !simdSupported()) throw new Error('AdamW: simdUpdate needs WebAssembly SIMD, which this engine lacks');
    const simdSizes: number[] = [];
    this.slots = variables.map((variable): Slot => {
      if (variable.size <= jsUpdateLimit) return { kind: 'js', variable, m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
      if (simdUpdate) {
        if (heapAdamWApplies(variable.size)) return { kind: 'heap', variable, moments: createHeapMoments(variable.shape) };
        simdSizes.push(variable.size);
        return { kind: 'simd', variable, index: simdSizes.length - 1, synced: null };
      }
      return {
        kind: 'kernels',
        variable,
        // In a tidy: tf.variable copies its initial tensor, which would otherwise leak.
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      };
    });
    this.simd = simdSizes.length > 0 ? new SimdAdamW(simdSizes) : null;
  }

  /** How many variables each path updates (`heap` and `simd`: the SIMD loop on the wasm heap or in its own memory). */
  get paths(): { js: number; heap: number; simd: number; kernels: number } {
    const count = (kind: Slot['kind']) => this.slots.filter((slot) => slot.kind === kind).length;
    return { js: count('js'), heap: count('heap'), simd: count('simd'), kernels: count('kernels') };
  }

  /**
   * One update with learning rate `lr`. `gradients` maps variable names to gradients (as
   * `tf.variableGrads` returns them); a variable without a gradient is left alone, decay included.
   */
  apply(gradients: tf.NamedTensorMap, lr: number): void {
    this.step += 1;
    const t = this.step;
    const { beta1, beta2, epsilon } = this;
    const stepSize = lr / (1 - beta1 ** t);
    const secondMomentScale = 1 / Math.sqrt(1 - beta2 ** t);
    const decay = 1 - lr * this.weightDecay;
    const scalars: StepScalars = { beta1, beta2, epsilon, stepSize, secondMomentScale, decay };
    tf.tidy(() => {
      for (const slot of this.slots) {
        const g = gradients[slot.variable.name];
        if (!g) continue;
        if (slot.kind === 'js') {
          const next = updateInJs(slot.variable.dataSync() as Float32Array, g.dataSync() as Float32Array, slot.m, slot.v, scalars);
          slot.variable.assign(tf.tensor(next, slot.variable.shape, 'float32'));
          continue;
        }
        if (slot.kind === 'heap') {
          slot.variable.assign(heapAdamWStep(slot.variable, g, slot.moments, scalars));
          continue;
        }
        if (slot.kind === 'simd') {
          const simd = this.simd!;
          // The module keeps the weights between steps; re-read them when someone else assigned the variable.
          if (slot.variable.dataId !== slot.synced) simd.setWeights(slot.index, slot.variable.dataSync() as Float32Array);
          // A heap view on wasm: update() copies it into the module before anything allocates.
          simd.update(slot.index, hostValues(g), scalars);
          const weights = simd.weights(slot.index);
          slot.variable.assign(tensorFromView(weights, slot.variable.shape));
          slot.synced = slot.variable.dataId;
          continue;
        }
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(slot.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denominator = tf.add(tf.mul(tf.sqrt(v), secondMomentScale), epsilon);
        const decayed = decay === 1 ? slot.variable : tf.mul(slot.variable, decay);
        slot.variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
        slot.m.assign(m);
        slot.v.assign(v);
      }
    });
  }

  /** Frees the moment estimates (not the optimised variables). */
  dispose(): void {
    for (const slot of this.slots) {
      if (slot.kind === 'kernels') tf.dispose([slot.m, slot.v]);
      if (slot.kind === 'heap') tf.dispose([slot.moments.m, slot.moments.v]);
    }
  }
}
