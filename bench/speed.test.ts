import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import type { BackendReport } from '../src/lib/compute/backend';
import { LATENCY_PRESET, type PredictorConfig } from '../src/lib/predictor/config';
import { regressionStepFlops } from '../src/lib/predictor/flops';
import { useCpuBackend } from '../src/lib/predictor/test-helpers';
import { createSpeedMeter } from './speed';

const CPU_REPORT: BackendReport = { name: 'cpu', reason: 'tests run on the cpu backend', tfjsVersion: tf.version_core, crossOriginIsolated: false, attempts: [] };
const tiny: PredictorConfig = { ...LATENCY_PRESET, layers: 2, hidden: 16, dropout: 0, lr: 0.01, batchSize: 8, epochs: 12, schedule: 'cosine', seed: 3 };

beforeAll(useCpuBackend);

describe('measure-speed', { timeout: 60_000 }, () => {
  test('times training steps and a matmul on the active backend', async () => {
    const result = await createSpeedMeter()(CPU_REPORT, { ...tiny, batchSize: 4 }, 2);
    expect(result.backend).toBe('cpu');
    expect(result.stepFlops).toBe(regressionStepFlops({ layers: 2, hidden: 16, nodes: 9, features: 6, batchSize: 4 }));
    expect(result.graphsPerS).toBeCloseTo((4 * 1000) / result.stepMs, 6);
    expect(result.gflops).toBeCloseTo(result.stepFlops / result.stepMs / 1e6, 6);
    expect(result.tfjsMatmulGflops).toBeGreaterThan(0);
    expect(result.denseMatmulGflops).toBeGreaterThan(0);
    expect(result.matmulPeakGflops).toBe(Math.max(result.tfjsMatmulGflops, result.denseMatmulGflops));
  });

  test('refuses a step or worker count out of range, naming it', async () => {
    const measure = createSpeedMeter();
    await expect(measure(CPU_REPORT, tiny, 0)).rejects.toThrow('measure-speed: steps must be an integer 1..1000, got 0');
    await expect(measure(CPU_REPORT, tiny, 2, 5)).rejects.toThrow('measure-speed: workers must be an integer 1..4, got 5');
  });
});
