/**
 * Shared by the predictor tests: backend setup and small hand-made graphs in the eagle layout
 * (global node at row 0 wired to every node, self-loops everywhere, one-hot or empty labels).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { type GraphEncoding } from './graphs.ts';
import { SeededRandom } from '../spaces/rng.ts';

export async function useCpuBackend(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend did not initialise');
}

/** A random eagle-style graph; `multiHot` lets some rows carry two labels. */
function randomGraph(rng: SeededRandom, nodes: number, features: number, multiHot = false): GraphEncoding {
  const adjacency = new Uint8Array(nodes * nodes);
  const x = new Uint8Array(nodes * features);
  for (let i = 0; i < nodes; i++) {
    adjacency[i * nodes + i] = 1;
    for (let j = i + 1; j < nodes; j++) if (i === 0 || rng.next() < 0.35) adjacency[i * nodes + j] = 1;
    const r = rng.next();
    if (r < 0.2) continue; // empty label, as pruned or skip nodes in NB201
    x[i * features + rng.int(features)] = 1;
    if (multiHot && r > 0.8) x[i * features + rng.int(features)] = 1;
  }
  return { nodes, features, adjacency, x };
}

export function randomGraphs(seed: number, count: number, nodes: number, features: number, multiHot = false): GraphEncoding[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => randomGraph(rng, nodes, features, multiHot));
}

/** A target a small GCN can learn: a weighted count of labels reachable from the global node. */
export function synthesiseTarget(graph: GraphEncoding): number {
  let value = 0;
  for (let i = 0; i < graph.nodes; i++) {
    for (let f = 0; f < graph.features; f++) value += graph.x[i * graph.features + f] * (f + 1) * (1 + 0.1 * i);
  }
  return value;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * Makes `dataSync` and `arraySync` throw (naming the caller) until the returned function is
 * called, except inside the WASM/cpu kernel modules, whose synchronous reads run only on backends
 * that keep tensors in host memory. Any other synchronous read in the code under test is the kind
 * that stalls a GPU and, on tfjs-webgpu, returns zeros (model.ts inferPackedAsync).
 */
export function forbidSyncReads(): () => void {
  const proto = tf.Tensor.prototype as unknown as Record<'dataSync' | 'arraySync', (this: tf.Tensor) => unknown>;
  const originals = { dataSync: proto.dataSync, arraySync: proto.arraySync };
  const hostKernels = /\/predictor\/(fused|adamw|adamw-simd|host-values|heap-[a-z]+|layer-simd|gemm-simd)\.ts/;
  for (const method of ['dataSync', 'arraySync'] as const) {
    proto[method] = function (this: tf.Tensor) {
      const stack = new Error().stack ?? '';
      const caller = stack.split('\n')[2] ?? '';
      if (!hostKernels.test(caller)) throw new Error(`synchronous ${method} ${caller.trim()}`);
      return originals[method].call(this);
    };
  }
  return () => Object.assign(proto, originals);
}
