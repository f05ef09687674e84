import { beforeAll, describe, expect, test } from 'vitest';
import { LATENCY_PRESET, type PredictorConfig } from './config.ts';
import {
  base64ToFloat32,
  checkProvenance,
  float32ToBase64,
  packPredictor,
  PREDICTOR_FILE_FORMAT,
  readPredictorFile,
  restoreNb201Predictor,
  restorePacked,
  writePredictorFile,
  type PredictorProvenance,
} from './persist.ts';
import { randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { trainRegressor } from './train.ts';
import type { RegressionPredictor } from './predictor.ts';

beforeAll(useCpuBackend);

const config: PredictorConfig = { ...LATENCY_PRESET, layers: 2, hidden: 8, epochs: 2, batchSize: 4, seed: 9 };
const graphs = randomGraphs(5, 12, 9, 6);

const provenance: PredictorProvenance = {
  space: 'nb201',
  name: 'desktop cpu',
  kind: 'regression',
  target: { datasetId: 'latbench', column: 'desktop_cpu_i7_7820x_fp32', label: 'desktop CPU', unit: 'ms' },
  datasetVersion: 'abc123',
  trainIndices: [4, 8, 15],
  valIndices: [],
  config,
  seed: 9,
  backend: 'cpu',
  wallMs: 12.5,
  epochsRun: 2,
  bestEpoch: 1,
  createdAt: 1_700_000_000_000,
};

async function trained(): Promise<RegressionPredictor> {
  return trainRegressor({ graphs, targets: graphs.map(synthesiseTarget), config });
}

describe('base64 float32', () => {
  test('round-trips every float32 exactly, whatever the padding', () => {
    const special = Float32Array.from([0, -0, 1.5, -3.25e-39, 3.4028234663852886e38, Math.fround(0.1), 1e-45, -7]);
    for (let n = 0; n <= special.length; n++) {
      const values = special.subarray(0, n);
      const text = float32ToBase64(values);
      expect(text.length % 4).toBe(0);
      expect(Object.is(base64ToFloat32(text, 'w')[1], values[1])).toBe(n > 1 ? true : Object.is(undefined, values[1]));
      expect(Array.from(base64ToFloat32(text, 'w'))).toEqual(Array.from(values));
    }
    // The same bytes as the platform's base64 of the little-endian floats.
    const bytes = new Uint8Array(Float32Array.from([1, 2, 3]).buffer);
    expect(float32ToBase64([1, 2, 3])).toBe(btoa(String.fromCharCode(...bytes)));
  });

  test('refuses what is not whole float32 values in base64', () => {
    expect(() => base64ToFloat32('AAA', 'w')).toThrow('w: not base64 (length must be a multiple of 4)');
    expect(() => base64ToFloat32('AAAA', 'w')).toThrow('w: 3 bytes is not a whole number of float32 values');
    expect(() => base64ToFloat32('AAAAA*==', 'w')).toThrow("w: character 5 ('*') is not base64");
    expect(() => base64ToFloat32('AA=AAA==', 'w')).toThrow("w: character 2 ('=') is not base64");
  });
});

describe('the predictor file', () => {
  test('write → read → restore gives the same predictions', async () => {
    const predictor = await trained();
    const text = writePredictorFile(predictor.serialize(), provenance);
    expect(JSON.parse(text).format).toBe(PREDICTOR_FILE_FORMAT);
    const content = readPredictorFile(text);
    expect(content.provenance).toEqual(provenance);
    const restored = restorePacked(content.predictor, 'file') as RegressionPredictor;
    expect(Array.from(restored.predict(graphs))).toEqual(Array.from(predictor.predict(graphs)));
    expect(restored.normalisation).toEqual(predictor.normalisation);
    // Random float32 weights in base64 take 5.3 characters each, decimal JSON numbers ~20.
    const first = predictor.serialize().weights[0];
    expect(JSON.parse(text).predictor.weights[0].float32le.length).toBeLessThan(JSON.stringify(first.values).length / 3);
    predictor.dispose();
    restored.dispose();
  });

  test('packed weights (IndexedDB layout) restore to the same predictor', async () => {
    const predictor = await trained();
    const packed = packPredictor(predictor.serialize());
    expect(packed.weights.every((w) => w.values instanceof Float32Array)).toBe(true);
    const restored = restorePacked(structuredClone(packed), 'stored') as RegressionPredictor;
    expect(Array.from(restored.predict(graphs))).toEqual(Array.from(predictor.predict(graphs)));
    expect(() => restorePacked({ ...packed, weights: [{ ...packed.weights[0], values: [1, 2] as unknown as Float32Array }] }, 'stored')).toThrow("stored: weights[0] has no Float32Array 'values'");
    expect(() => restoreNb201Predictor({ ...predictor.serialize(), features: 5 }, 'x')).toThrow('x: built for 5 node features, the NB201 encoding has 6');
    predictor.dispose();
    restored.dispose();
  });
});

describe('checkProvenance', () => {
  const bad = (edit: Partial<Record<keyof PredictorProvenance, unknown>>) => () => checkProvenance({ ...provenance, ...edit }, 'p');

  test('accepts a good one and returns a clean copy', () => {
    const copy = checkProvenance({ ...provenance, extra: 'dropped' });
    expect(copy).toEqual(provenance);
    expect(copy.trainIndices).not.toBe(provenance.trainIndices);
  });

  test('names the bad field', () => {
    expect(bad({ space: 'nb101' })).toThrow("p: 'space' must be 'nb201', got \"nb101\"");
    expect(bad({ name: '' })).toThrow("p: 'name' must be a non-empty string of at most 200 characters");
    expect(bad({ target: { datasetId: 'x', column: 'y', label: 3, unit: '' } })).toThrow("p: 'target.label' must be a string");
    expect(bad({ trainIndices: [3, 3] })).toThrow("p: 'trainIndices' lists NB201 index 3 twice");
    expect(bad({ valIndices: [-1] })).toThrow("p: 'valIndices[0]' must be an NB201 index 0..15624, got -1");
    expect(bad({ seed: 10 })).toThrow("p: 'seed' must be config.seed (9), got 10");
    expect(bad({ config: { ...config, lr: -1 } })).toThrow("p: config: 'lr' must be a positive number");
    expect(bad({ wallMs: Number.NaN })).toThrow("p: 'wallMs' must be a non-negative number of ms");
    expect(bad({ epochsRun: 1.5 })).toThrow("p: 'epochsRun' must be an integer ≥ 0, got 1.5");
    expect(() => checkProvenance(null, 'p')).toThrow('p: expected an object');
  });
});
