/**
 * The full NAS-Bench-201 network for one cell, in tfjs-core ops, for timing inference.
 *
 * Layout as the benchmark trained it (AutoDL-Projects `TinyNetwork`, C = 16, N = 5), NHWC:
 * stem Conv3x3(3→16) + BN; three stages of 5 cells at 16 / 32 / 64 channels with a
 * `ResNetBasicblock` (stride 2) between stages; BN + ReLU ("lastact"); global average pool;
 * dense classifier. Cell ops: `nor_conv_kxk` = ReLU → Conv k×k (pad (k−1)/2, no bias) → BN,
 * `avg_pool_3x3` = AvgPool 3, stride 1, pad 1, padding excluded from the mean (tfjs divides by
 * the in-bounds count, like PyTorch's `count_include_pad=False`), `skip_connect` = identity.
 * Which edges execute (`prune`) is decided in cell-plan.ts.
 *
 * Weights are random (He-uniform convs, BatchNorm statistics near identity): latency does not
 * depend on their values, but keeping activations O(1) avoids denormals and overflow, which do
 * slow CPU and WASM kernels down.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, type Rng } from '../spaces/rng.ts';
import { opsToArchStr, type OpCode, type OpVector } from '../spaces/nb201.ts';
import { planCell, type CellPlan } from './cell-plan.ts';
import { checkInputSize, NB201_CELLS_PER_STAGE, NB201_STAGE_CHANNELS } from './counts.ts';

export interface NetworkOptions {
  /** Classifier outputs: 10 (CIFAR-10), 100 (CIFAR-100, eagle's LatBench config), 120 (ImageNet16-120). Default 10. */
  classes?: number;
  /** Input side in pixels (input is 1 × side × side × 3). Default 32. */
  inputSize?: number;
  /** Execute only edges on an input→output path, as eagle timed LatBench (see cell-plan.ts). Default true. */
  prune?: boolean;
  /** Seed of the random weights. Default 0. */
  seed?: number;
}

export interface Nb201Network {
  readonly ops: readonly OpCode[];
  readonly archStr: string;
  readonly classes: number;
  readonly inputSize: number;
  readonly prune: boolean;
  /** Conv kernels, BatchNorm scale/shift, classifier weight/bias: what the dataset counts as parameters. */
  readonly trainable: readonly tf.Tensor[];
  /** BatchNorm moving statistics and constant zero maps: not parameters. */
  readonly constants: readonly tf.Tensor[];
  /** Logits [1, classes] for an input [1, side, side, 3]. The caller owns (and disposes) the result. */
  predict(input: tf.Tensor4D): tf.Tensor2D;
  /** Multiply-accumulates the graph actually executes (NB201's FLOP definition), counted by running it once. */
  executedFlops(input: tf.Tensor4D): number;
  dispose(): void;
}

interface BatchNorm {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  scale: tf.Tensor1D;
  offset: tf.Tensor1D;
}
/** A convolution, optionally preceded by ReLU and followed by BatchNorm. */
interface ConvUnit {
  filter: tf.Tensor4D;
  stride: number;
  pad: number;
  reluFirst: boolean;
  bn: BatchNorm | null;
}
interface Stage {
  cell: CellPlan;
  cells: Map<number, ConvUnit>[];
  zero: tf.Tensor4D | null;
  reduction: Reduction | null;
}
interface Reduction {
  convA: ConvUnit;
  convB: ConvUnit;
  shortcut: ConvUnit;
}

const BN_EPSILON = 1e-5; // PyTorch BatchNorm2d default

/** Builds the network; its weights live until `dispose()`. */
export function buildNb201Network(ops: OpVector, options: NetworkOptions = {}): Nb201Network {
  const { classes = 10, inputSize = 32, prune = true, seed = 0 } = options;
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`the classifier needs a positive integer number of classes, got ${classes}`);
  checkInputSize(inputSize);
  const archStr = opsToArchStr(ops);
  const cell = planCell(ops, prune);
  const rng = mulberry32(seed);
  const trainable: tf.Tensor[] = [];
  const constants: tf.Tensor[] = [];

  const uniform = (shape: number[], low: number, high: number, isTrainable: boolean) => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * rng();
    const t = tf.tensor(values, shape);
    (isTrainable ? trainable : constants).push(t);
    return t;
  };
  const batchNorm = (c: number): BatchNorm => ({
    scale: uniform([c], 0.8, 1.2, true) as tf.Tensor1D,
    offset: uniform([c], -0.1, 0.1, true) as tf.Tensor1D,
    mean: uniform([c], -0.1, 0.1, false) as tf.Tensor1D,
    variance: uniform([c], 0.8, 1.2, false) as tf.Tensor1D,
  });
  const convUnit = (k: number, cIn: number, cOut: number, stride: number, reluFirst: boolean, withBn: boolean): ConvUnit => {
    const bound = Math.sqrt(6 / (k * k * cIn)); // He-uniform
    const filter = uniform([k, k, cIn, cOut], -bound, bound, true) as tf.Tensor4D;
    return { filter, stride, pad: (k - 1) / 2, reluFirst, bn: withBn ? batchNorm(cOut) : null };
  };

  const stem = convUnit(3, 3, NB201_STAGE_CHANNELS[0], 1, false, true);
  let side = inputSize;
  const stages: Stage[] = NB201_STAGE_CHANNELS.map((c, s) => {
    let reduction: Reduction | null = null;
    if (s > 0) {
      const cIn = NB201_STAGE_CHANNELS[s - 1];
      side /= 2;
      reduction = {
        convA: convUnit(3, cIn, c, 2, true, true),
        convB: convUnit(3, c, c, 1, true, true),
        shortcut: convUnit(1, cIn, c, 1, false, false),
      };
    }
    const cells = Array.from({ length: NB201_CELLS_PER_STAGE }, () => {
      const units = new Map<number, ConvUnit>();
      for (const e of cell.edges) {
        if (e.op === 'nor_conv_3x3') units.set(e.index, convUnit(3, c, c, 1, true, true));
        if (e.op === 'nor_conv_1x1') units.set(e.index, convUnit(1, c, c, 1, true, true));
      }
      return units;
    });
    // One shared zero map per stage stands for every all-`none` node (unpruned networks only).
    let zero: tf.Tensor4D | null = null;
    if (cell.zeroNodes.some(Boolean)) {
      zero = tf.zeros([1, side, side, c]);
      constants.push(zero);
    }
    return { cell, cells, zero, reduction };
  });
  const lastBn = batchNorm(NB201_STAGE_CHANNELS[2]);
  const bound = Math.sqrt(1 / NB201_STAGE_CHANNELS[2]); // PyTorch Linear default range
  const dense = uniform([NB201_STAGE_CHANNELS[2], classes], -bound, bound, true) as tf.Tensor2D;
  const bias = uniform([classes], -bound, bound, true) as tf.Tensor1D;

  const forward = (input: tf.Tensor4D, count: (macs: number) => void): tf.Tensor2D => {
    const [, h, w, ch] = input.shape;
    if (h !== inputSize || w !== inputSize || ch !== 3) {
      throw new Error(`this network takes input [1, ${inputSize}, ${inputSize}, 3], got [${input.shape.join(', ')}]`);
    }
    const run = (x: tf.Tensor4D, unit: ConvUnit): tf.Tensor4D => {
      const y = tf.conv2d(unit.reluFirst ? tf.relu(x) : x, unit.filter, unit.stride, unit.pad);
      const [, oh, ow] = y.shape;
      const [kh, kw, cIn, cOut] = unit.filter.shape;
      count(oh * ow * kh * kw * cIn * cOut);
      return unit.bn ? tf.batchNorm(y, unit.bn.mean, unit.bn.variance, unit.bn.offset, unit.bn.scale, BN_EPSILON) : y;
    };
    let x = run(input, stem);
    for (const stage of stages) {
      if (stage.reduction) {
        const { convA, convB, shortcut } = stage.reduction;
        x = tf.add(run(run(x, convA), convB), run(tf.avgPool(x, 2, 2, 'valid'), shortcut));
      }
      for (const units of stage.cells) {
        // null = a node nothing reads (pruned away); cell-plan guarantees executed edges never read one.
        const nodes: (tf.Tensor4D | null)[] = [x];
        for (let node = 1; node <= 3; node++) {
          const terms = stage.cell.edges
            .filter((e) => e.to === node)
            .map((e) => {
              const source = nodes[e.from]!;
              if (e.op === 'skip_connect') return source;
              if (e.op === 'avg_pool_3x3') return tf.avgPool(source, 3, 1, 1);
              return run(source, units.get(e.index)!);
            });
          nodes.push(terms.length === 0 ? stage.zero : terms.length === 1 ? terms[0] : tf.addN(terms));
        }
        x = nodes[3]!;
      }
    }
    const features = tf.mean(tf.relu(tf.batchNorm(x, lastBn.mean, lastBn.variance, lastBn.offset, lastBn.scale, BN_EPSILON)), [1, 2]);
    count(dense.shape[0] * dense.shape[1] + classes);
    return tf.add(tf.matMul(features, dense), bias) as tf.Tensor2D;
  };

  let disposed = false;
  const alive = () => {
    if (disposed) throw new Error(`the network for ${archStr} was disposed`);
  };
  return {
    ops: ops.slice(),
    archStr,
    classes,
    inputSize,
    prune,
    trainable,
    constants,
    predict(input) {
      alive();
      return tf.tidy(() => forward(input, () => {}));
    },
    executedFlops(input) {
      alive();
      let flops = 0;
      tf.tidy(() => {
        forward(input, (macs) => (flops += macs)); // returning nothing lets tidy free the logits too
      });
      return flops;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of [...trainable, ...constants]) t.dispose();
    },
  };
}

/** A random input image [1, side, side, 3] with values in [0, 1). */
export function randomInput(inputSize: number, rng: Rng = mulberry32(1)): tf.Tensor4D {
  checkInputSize(inputSize);
  const values = new Float32Array(inputSize * inputSize * 3);
  for (let i = 0; i < values.length; i++) values[i] = rng();
  return tf.tensor4d(values, [1, inputSize, inputSize, 3]);
}
