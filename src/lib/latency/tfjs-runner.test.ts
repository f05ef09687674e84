/** The real runner on the tfjs cpu backend: small cells, tiny K, and no tensor left behind. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { digitsToOps } from '../spaces/nb201.ts';
import { profileCells } from './profiler.ts';
import { detectTimerResolution } from './stats.ts';
import { createTfjsRunner } from './tfjs-runner.ts';

beforeAll(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend did not initialise');
});

// Cheap cells: the 0→3 skip alone, and one 1×1 conv on 0→3 (the rest of the network is fixed).
const CELLS = [digitsToOps('000100'), digitsToOps('000200')];

describe('createTfjsRunner', () => {
  it('builds once, runs K inferences with one read-back, and frees everything', async () => {
    const runner = createTfjsRunner({ classes: 10 });
    expect(runner.backend).toBe('cpu');
    const baseline = runner.numTensors();
    const models = await Promise.all(CELLS.map((ops) => runner.build(ops)));
    const held = runner.numTensors();
    expect(held).toBeGreaterThan(baseline);
    for (const model of models) {
      const predict = model.network.predict.bind(model.network);
      const logits: tf.Tensor[] = [];
      model.network.predict = (input) => {
        const out = predict(input);
        logits.push(out);
        return out;
      };
      await runner.run(model, 3);
      expect(logits).toHaveLength(3);
      expect(logits.every((t) => t.isDisposed)).toBe(true);
      expect(runner.numTensors()).toBe(held); // the K outputs are gone
    }
    await expect(runner.run(models[0], 0)).rejects.toThrow(/positive whole number/);
    for (const model of models) runner.dispose(model);
    expect(runner.numTensors()).toBe(baseline);
  });

  it('drives the profiler end to end on real time without leaking tensors', async () => {
    const runner = createTfjsRunner({ classes: 100 });
    const now = () => performance.now();
    const out = await profileCells({
      cells: CELLS,
      runner,
      clock: { now, isHidden: () => false, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      numTensors: runner.numTensors,
      options: { timerResolutionMs: detectTimerResolution(now), minSamples: 3, warmup: { minRuns: 2, maxRuns: 3, stableRuns: 2 } },
    });
    expect(out.leakedTensors).toBe(0);
    expect(out.results.map((r) => r.archStr)).toEqual(['|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|', '|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|']);
    for (const r of out.results) {
      expect(r.backend).toBe('cpu');
      expect(r.samples).toHaveLength(3);
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.coldMs).toBeGreaterThan(0);
      expect(r.k).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);
});
