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
import { probeWorkload } from './phases.ts';
import type { ModelRunner } from './profiler-types.ts';

export interface TfjsModel {
  network: Nb201Network;
  input: tf.Tensor4D;
}

export interface TfjsRunner extends ModelRunner<TfjsModel> {
  /** Live tensors (`tf.memory().numTensors`) less the probe's own, for the profiler's leak check. */
  numTensors(): number;
  /**
   * The probe to time beside every sample (phases.ts). On WASM, two fixed 3×3 convolutions, work of
   * the networks' own kind: a register-only loop misses slow phases that the networks feel. Their
   * input and filter stay allocated (created once), since allocating them for every
   * probe made many probes far slower (both in bench-results/latency-experiments/README.md).
   * Elsewhere the register loop (phases.ts `probeWorkload`): a synchronous read-back would block a
   * GPU backend, and on the plain-JS backend two convolutions take longer than a sample should wait.
   */
  probe(): void;
}

/** The probe's shape: activations and filters of the NB201 network's second stage, about 1 ms on WASM. */
const PROBE_SIDE = 32;
const PROBE_CHANNELS = 32;
const PROBE_CONVS = 2;

/** The probe's input and filter, created on the WASM backend on its first run. */
interface ProbeTensors {
  input: tf.Tensor4D;
  filter: tf.Tensor4D;
}

function probeTensors(): ProbeTensors {
  const input = Float32Array.from({ length: PROBE_SIDE * PROBE_SIDE * PROBE_CHANNELS }, (_, i) => Math.sin(i));
  const filter = Float32Array.from({ length: 9 * PROBE_CHANNELS * PROBE_CHANNELS }, (_, i) => 0.1 * Math.cos(i));
  return {
    input: tf.tensor4d(input, [1, PROBE_SIDE, PROBE_SIDE, PROBE_CHANNELS]),
    filter: tf.tensor4d(filter, [3, 3, PROBE_CHANNELS, PROBE_CHANNELS]),
  };
}

/** A runner on the currently active tfjs backend (call `tf.setBackend` first). */
export function createTfjsRunner(options: NetworkOptions = {}): TfjsRunner {
  let held: ProbeTensors | null = null;
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
    numTensors: () => tf.memory().numTensors - (held ? 2 : 0), // the probe's input and filter
    probe(): void {
      if (tf.getBackend() !== 'wasm') {
        probeWorkload();
        return;
      }
      held ??= probeTensors();
      const { input, filter } = held;
      tf.tidy(() => {
        let y = input;
        for (let i = 0; i < PROBE_CONVS; i++) y = tf.conv2d(y, filter, 1, 'same');
        y.dataSync();
      });
    },
  };
}
