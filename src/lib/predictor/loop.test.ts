import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { LATENCY_PRESET, type PredictorConfig } from './config.ts';
import { randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
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
