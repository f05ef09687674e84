/**
 * A zero-copy `Identity` kernel for tfjs-backend-wasm 4.22.
 *
 * Why: tfjs saves every tensor a gradient needs by cloning it (`Engine.clone` runs Identity), and
 * the wasm backend's Identity copies the values into a fresh buffer, where the cpu, WebGL and
 * WebGPU backends only add a reference. One training step of the 4×600 GCN at batch 8 cloned 71
 * tensors, the three 600×600 weight matrices among them: ≈ 1.1 ms of copying per step in a node
 * profile, plus the allocations. tfjs tensors are immutable (a variable's `assign` takes the new
 * tensor's buffer, it does not write into the old one), so sharing the buffer is what the other
 * backends already do and every result stays bit for bit the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

type KernelFunc = tf.KernelConfig['kernelFunc'];

let original: KernelFunc | null = null;

/** Identity sharing the input's buffer, as the cpu backend's; strings keep the original kernel. */
const sharedIdentity: KernelFunc = (args) => {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return original!(args);
  (args.backend as tf.KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

function register(kernelFunc: KernelFunc): void {
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ kernelName: tf.Identity, backendName: 'wasm', kernelFunc });
}

/**
 * Installs (or, with `false`, removes) the zero-copy Identity for the wasm backend. Idempotent;
 * it applies to the wasm backend whenever that is active, so call it before training starts.
 */
export function useSharedIdentityOnWasm(enabled = true): void {
  const current = tf.getKernel(tf.Identity, 'wasm');
  if (!current) throw new Error('tfjs-backend-wasm registered no Identity kernel');
  if (original === null) original = current.kernelFunc;
  const wanted = enabled ? sharedIdentity : original;
  if (current.kernelFunc !== wanted) register(wanted);
}
