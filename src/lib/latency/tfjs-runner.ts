/**
 * The real model runner for the profiler: NB201 networks in tfjs on whatever backend is active.
 * A sample is K `predict` calls issued back to back; every output but the last is disposed at once
 * (tfjs frees it after its kernels ran) and only the last is read back, so the read-back cost and
 * the timer grain are divided by K (latency-measurement.md §D.3). Because the backends run
 * kernels in submission order, that one read-back waits for all K inferences.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OpVector } from '../spaces/nb201.ts';
import { buildNb201Network, randomInput, type Nb201Network, type NetworkOptions } from './network.ts';
import type { ModelRunner } from './profiler-types.ts';

export interface TfjsModel {
  network: Nb201Network;
  input: tf.Tensor4D;
}

export interface TfjsRunner extends ModelRunner<TfjsModel> {
  /** Live tensors (`tf.memory().numTensors`), for the profiler's leak check. */
  numTensors(): number;
}

/** A runner on the currently active tfjs backend (call `tf.setBackend` first). */
export function createTfjsRunner(options: NetworkOptions = {}): TfjsRunner {
  return {
    get backend() {
      return tf.getBackend();
    },
    async build(ops: OpVector): Promise<TfjsModel> {
      const network = buildNb201Network(ops, options);
      return { network, input: randomInput(network.inputSize) };
    },
    async run({ network, input }: TfjsModel, k: number): Promise<void> {
      if (!Number.isInteger(k) || k < 1) throw new Error(`a sample runs a positive whole number of inferences, got ${k}`);
      let last: tf.Tensor | null = null;
      try {
        for (let i = 0; i < k; i++) {
          last?.dispose();
          last = network.predict(input);
        }
        await last!.data();
      } finally {
        last?.dispose();
      }
    },
    dispose({ network, input }: TfjsModel): void {
      network.dispose();
      input.dispose();
    },
    numTensors: () => tf.memory().numTensors,
  };
}
