import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { LATENCY_PRESET, type PredictorConfig } from './config.ts';
import { randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { runTraining } from './loop.ts';
import { trainRegressor } from './train.ts';

beforeAll(useCpuBackend);

const config: PredictorConfig = { ...LATENCY_PRESET, layers: 2, hidden: 8, dropout: 0, lr: 0.01, batchSize: 5, epochs: 3, schedule: 'cosine', seed: 2 };
const graphs = randomGraphs(4, 20, 6, 3);
const targets = graphs.map(synthesiseTarget);

describe('the beforeStep hook', () => {
  test('runs before every optimizer step', async () => {
    let calls = 0;
    const predictor = await trainRegressor({ graphs, targets, config, beforeStep: () => void calls++ });
    expect(calls).toBe(3 * 4);
    expect(predictor.training!.history.map((r) => r.steps)).toEqual([4, 4, 4]);
    predictor.dispose();
  });

  test('a returned promise holds training until it resolves (a pause gate)', async () => {
    let release: (() => void) | undefined;
    let stepsBefore = 0;
    const run = trainRegressor({
      graphs,
      targets,
      config,
      beforeStep: () => {
        stepsBefore += 1;
        // Hold before the 6th step.
        if (stepsBefore === 6) return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stepsBefore).toBe(6);
    release!();
    const predictor = await run;
    expect(stepsBefore).toBe(12);
    predictor.dispose();
  });

  test('an abort while held stops before the step, leaking nothing', async () => {
    const baseline = tf.memory().numTensors;
    const controller = new AbortController();
    let held = 0;
    const run = trainRegressor({
      graphs,
      targets,
      config,
      signal: controller.signal,
      beforeStep: () => {
        held += 1;
        if (held === 2) return new Promise<void>((resolve) => setTimeout(() => (controller.abort(), resolve()), 20));
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(held).toBe(2);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('the warm-up (eagle --warmup)', () => {
  // loss = Σ (a·x + b − y)² over one batch of 4 points: `a` is the body, `b` the head.
  const xs = [1, 2, 3, 4];
  const ys = [3, 5, 7, 9];
  function task() {
    const a = tf.variable(tf.scalar(0.5), true, 'warmup-test-a');
    const b = tf.variable(tf.scalar(0), true, 'warmup-test-b');
    const x = tf.tensor1d(xs);
    const y = tf.tensor1d(ys);
    return {
      a,
      b,
      dispose: () => tf.dispose([a, b, x, y]),
      task: {
        variables: [a, b],
        headVariables: [b],
        batches: () => [Uint32Array.from([0])],
        loss: () => tf.tidy(() => tf.sum(tf.square(tf.sub(tf.add(tf.mul(x, a), b), y)))) as tf.Scalar,
        validate: () => ({ loss: 0 }),
      },
    };
  }

  test('trains only the head for K epochs, reported as warm-up, then everything; the history has the main epochs only', async () => {
    const t = task();
    const seen: { warmup: boolean; a: number; b: number }[] = [];
    const summary = await runTraining(
      t.task,
      { ...config, epochs: 2, schedule: 'cosine', esPatience: 0, restoreBest: 'last-epoch' },
      {
        warmupEpochs: 3,
        onEpoch: (r) => void seen.push({ warmup: r.warmup === true, a: t.a.dataSync()[0], b: t.b.dataSync()[0] }),
      },
    );
    expect(seen.map((s) => s.warmup)).toEqual([true, true, true, false, false]);
    expect(seen.slice(0, 3).every((s) => s.a === 0.5)).toBe(true); // the body stays frozen
    expect(new Set(seen.slice(0, 3).map((s) => s.b)).size).toBe(3); // the head moves every epoch
    expect(seen[4].a).not.toBe(0.5); // then everything trains
    expect(summary.history.map((r) => r.epoch)).toEqual([0, 1]);
    t.dispose();
  });

  test('without warm-up nothing changes; a warm-up needs head variables', async () => {
    const t = task();
    await expect(runTraining({ ...t.task, headVariables: undefined }, config, { warmupEpochs: 1 })).rejects.toThrow(/no head variables/);
    const baseline = tf.memory().numTensors;
    await runTraining(t.task, config, { warmupEpochs: 2 });
    expect(tf.memory().numTensors).toBe(baseline); // both optimizers' slots freed
    t.dispose();
  });
});
