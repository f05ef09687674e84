/**
 * Closed-form parameter and FLOP counts of the NB201 macro network (AutoDL-Projects `TinyNetwork`,
 * C = 16, N = 5), written independently of the tfjs builder so each can check the other and both
 * can be checked against the dataset's `*_params` / `*_flops` columns.
 *
 * Parameters: trainable ones only: conv kernels (no conv has a bias), BatchNorm scale + shift
 * (2 per channel; the moving mean/variance are buffers), classifier weight + bias.
 * FLOPs: NB201's `get_model_infos` counter, i.e. multiply-accumulates of convs
 * (out_h · out_w · k_h · k_w · c_in · c_out) and of the classifier (in · out + out for its bias);
 * pooling, BatchNorm, ReLU and additions count nothing. Batch 1.
 */
import type { OpVector } from '../spaces/nb201.ts';
import { planCell } from './cell-plan.ts';

/** Channels of the three stages. */
export const NB201_STAGE_CHANNELS = [16, 32, 64] as const;
/** Cells per stage. */
export const NB201_CELLS_PER_STAGE = 5;

interface CountOptions {
  /** Count only the edges a pruned network executes (see cell-plan.ts). Default true. */
  prune?: boolean;
}

const conv = (k: number, cIn: number, cOut: number) => k * k * cIn * cOut;
const batchNorm = (c: number) => 2 * c;

/** Trainable parameters of the full network for one cell. */
export function countParams(ops: OpVector, classes: number, { prune = true }: CountOptions = {}): number {
  checkClasses(classes);
  const { edges } = planCell(ops, prune);
  const [c1, , c3] = NB201_STAGE_CHANNELS;
  let params = conv(3, 3, c1) + batchNorm(c1); // stem
  NB201_STAGE_CHANNELS.forEach((c, stage) => {
    if (stage > 0) params += reductionParams(NB201_STAGE_CHANNELS[stage - 1], c);
    let cell = 0;
    for (const { op } of edges) {
      if (op === 'nor_conv_3x3') cell += conv(3, c, c) + batchNorm(c);
      if (op === 'nor_conv_1x1') cell += conv(1, c, c) + batchNorm(c);
    }
    params += NB201_CELLS_PER_STAGE * cell;
  });
  params += batchNorm(c3); // "lastact" BatchNorm before the final ReLU
  params += c3 * classes + classes;
  return params;
}

/** Forward FLOPs (multiply-accumulates, NB201's definition) for a square input of `inputSize` pixels. */
export function countFlops(ops: OpVector, classes: number, inputSize: number, { prune = true }: CountOptions = {}): number {
  checkClasses(classes);
  checkInputSize(inputSize);
  const { edges } = planCell(ops, prune);
  const [c1, , c3] = NB201_STAGE_CHANNELS;
  let side = inputSize;
  let flops = side * side * conv(3, 3, c1); // stem
  NB201_STAGE_CHANNELS.forEach((c, stage) => {
    if (stage > 0) {
      side /= 2;
      flops += reductionFlops(NB201_STAGE_CHANNELS[stage - 1], c, side);
    }
    let cell = 0;
    for (const { op } of edges) {
      if (op === 'nor_conv_3x3') cell += side * side * conv(3, c, c);
      if (op === 'nor_conv_1x1') cell += side * side * conv(1, c, c);
    }
    flops += NB201_CELLS_PER_STAGE * cell;
  });
  flops += c3 * classes + classes;
  return flops;
}

/** ResNetBasicblock(cIn, cOut, stride 2): two ReLU-Conv3x3-BN plus a pooled 1×1 conv shortcut. */
function reductionParams(cIn: number, cOut: number): number {
  return conv(3, cIn, cOut) + batchNorm(cOut) + conv(3, cOut, cOut) + batchNorm(cOut) + conv(1, cIn, cOut);
}

/** `outSide` = side of the block's output (half its input). */
function reductionFlops(cIn: number, cOut: number, outSide: number): number {
  const area = outSide * outSide;
  return area * (conv(3, cIn, cOut) + conv(3, cOut, cOut) + conv(1, cIn, cOut));
}

function checkClasses(classes: number): void {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`the classifier needs a positive integer number of classes, got ${classes}`);
}

/** Two stride-2 reductions must halve the side exactly, as they do for 32 (CIFAR) and 16 (ImageNet16-120). */
export function checkInputSize(inputSize: number): void {
  if (!Number.isInteger(inputSize) || inputSize < 4 || inputSize % 4 !== 0) {
    throw new Error(`the input side must be a positive multiple of 4 pixels (32 for CIFAR, 16 for ImageNet16-120), got ${inputSize}`);
  }
}
