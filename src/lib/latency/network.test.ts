/**
 * The tfjs network against the closed-form counts (which counts.test checks against the dataset):
 * its trainable tensors hold exactly countParams weights, and the graph it executes performs
 * exactly countFlops multiply-accumulates, with and without pruning.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeToOps, digitsToOps, isConnected } from '../spaces/nb201.ts';
import { countFlops, countParams } from './counts.ts';
import { buildNb201Network, randomInput } from './network.ts';
import { EXTREMES, SAMPLE_ROWS } from './test-cells.ts';

beforeAll(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend did not initialise');
});

const sizeOf = (tensors: readonly tf.Tensor[]) => tensors.reduce((sum, t) => sum + t.size, 0);
const extremes = Object.values(EXTREMES).map(digitsToOps);

describe('buildNb201Network', () => {
  it('holds exactly countParams trainable weights for the extremes and 500 sampled cells, pruned and not', () => {
    const baseline = tf.memory().numTensors;
    let checked = 0;
    for (const ops of [...extremes, ...SAMPLE_ROWS.map(codeToOps)]) {
      for (const prune of [false, true]) {
        if (prune && !isConnected(ops)) continue;
        const net = buildNb201Network(ops, { prune, classes: 100 });
        expect(sizeOf(net.trainable), `${net.archStr} prune=${prune}`).toBe(countParams(ops, 100, { prune }));
        net.dispose();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(990);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);

  it('executes exactly countFlops multiply-accumulates (extremes and a few sampled cells, both modes)', () => {
    const cells = [...extremes, ...SAMPLE_ROWS.slice(0, 4).map(codeToOps)];
    const input16 = randomInput(16);
    for (const ops of cells) {
      for (const prune of [false, true]) {
        if (prune && !isConnected(ops)) continue;
        // ImageNet16-120 geometry keeps this fast; the CIFAR geometry is checked below on the largest cell.
        const net = buildNb201Network(ops, { prune, classes: 120, inputSize: 16 });
        expect(net.executedFlops(input16), `${net.archStr} prune=${prune}`).toBe(countFlops(ops, 120, 16, { prune }));
        net.dispose();
      }
    }
    input16.dispose();
    const conv3 = buildNb201Network(digitsToOps(EXTREMES.allConv3x3));
    const input32 = randomInput(32);
    expect(conv3.executedFlops(input32)).toBe(220_119_690); // the README's all-conv3x3 CIFAR-10 value
    conv3.dispose();
    input32.dispose();
  }, 120_000);

  it('pruning drops dead branches: fewer weights and FLOPs than NB201 runs, same output shape', () => {
    const deadEnd = digitsToOps('300100'); // 0→1 conv3x3 leads nowhere; 0→3 skip is the only path
    const full = buildNb201Network(deadEnd, { prune: false });
    const pruned = buildNb201Network(deadEnd, { prune: true });
    expect(sizeOf(full.trainable) - sizeOf(pruned.trainable)).toBe(5 * (9 * 16 * 16 + 32 + 9 * 32 * 32 + 64 + 9 * 64 * 64 + 128));
    const input = randomInput(32);
    expect(full.executedFlops(input)).toBeGreaterThan(pruned.executedFlops(input));
    const a = full.predict(input);
    const b = pruned.predict(input);
    expect(a.shape).toEqual([1, 10]);
    expect(b.shape).toEqual([1, 10]);
    tf.dispose([a, b, input]);
    full.dispose();
    pruned.dispose();
  });

  it('builds unconnected cells only unpruned, where every cell outputs a zero map', async () => {
    const ops = digitsToOps(EXTREMES.allNone);
    expect(() => buildNb201Network(ops)).toThrow(/no input→output path/);
    const net = buildNb201Network(ops, { prune: false });
    expect(net.constants.some((t) => t.shape.join() === '1,32,32,16')).toBe(true);
    const input = randomInput(32);
    const logits = net.predict(input);
    // Zero features: BN → ReLU → pool → dense gives the same logits for any input.
    const other = randomInput(32, () => 0.5);
    const logits2 = net.predict(other);
    expect(Array.from(await logits.data())).toEqual(Array.from(await logits2.data()));
    tf.dispose([input, other, logits, logits2]);
    net.dispose();
  });

  it('gives finite logits of the requested width; same seed same weights, other seed other weights', async () => {
    const ops = digitsToOps('231402');
    const input = randomInput(32);
    const run = async (seed: number) => {
      const net = buildNb201Network(ops, { classes: 100, seed });
      const out = net.predict(input);
      const values = Array.from(await out.data());
      expect(out.shape).toEqual([1, 100]);
      out.dispose();
      net.dispose();
      return values;
    };
    const first = await run(7);
    expect(first.every(Number.isFinite)).toBe(true);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
    input.dispose();
  });

  it('frees every tensor on dispose and refuses to run afterwards', () => {
    const baseline = tf.memory().numTensors;
    const net = buildNb201Network(digitsToOps('000030'), { prune: false }); // has a zero-map constant
    const input = randomInput(32);
    net.predict(input).dispose();
    net.executedFlops(input);
    expect(tf.memory().numTensors).toBe(baseline + net.trainable.length + net.constants.length + 1);
    net.dispose();
    input.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    expect(() => net.predict(input)).toThrow(/disposed/);
  });

  it('refuses wrong inputs and options', () => {
    const net = buildNb201Network(digitsToOps('111111'));
    const wrong = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    expect(() => net.predict(wrong)).toThrow(/takes input \[1, 32, 32, 3\]/);
    wrong.dispose();
    net.dispose();
    expect(() => buildNb201Network(digitsToOps('111111'), { inputSize: 30 })).toThrow(/multiple of 4/);
    expect(() => buildNb201Network(digitsToOps('111111'), { classes: 0 })).toThrow(/classes/);
  });
});
