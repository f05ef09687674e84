/** The predictor on the real NB201 encoding (spaces/nb201): the graphs the app trains on. */
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { allCells, distinctEncodings, eagleEncoding, isConnected } from '../spaces/nb201.ts';
import { BRP_PRESET } from './config.ts';
import { spearman } from './metrics.ts';
import { useCpuBackend } from './test-helpers.ts';
import { trainRegressor } from './train.ts';

beforeAll(useCpuBackend);

describe('NB201 cells', () => {
  test('a regressor learns the conv3x3 count and predicts all 15,625 cells consistently', async () => {
    const baseline = tf.memory().numTensors;
    const cells = allCells();
    const encodings = cells.map((ops) => eagleEncoding(ops));
    const conv3x3 = cells.map((ops) => ops.filter((op) => op === 3).length + 0.5 * ops.filter((op) => op === 2).length);
    const trainIdx = Array.from({ length: 60 }, (_, k) => (k * 2617 + 11) % cells.length).filter((i) => isConnected(cells[i]));
    const predictor = await trainRegressor({
      graphs: trainIdx.map((i) => encodings[i]),
      targets: trainIdx.map((i) => conv3x3[i]),
      config: { ...BRP_PRESET, layers: 2, hidden: 16, dropout: 0, lr: 0.01, batchSize: 8, epochs: 30, seed: 2 },
    });
    const predicted = predictor.predict(encodings);
    expect(predicted).toHaveLength(15625);
    // Cells sharing an encoding get bit-identical predictions (embedded once), and the
    // disconnected cells, which all encode alike, share one value.
    const { groupOf, representative } = distinctEncodings();
    expect(cells.every((_, code) => predicted[code] === predicted[representative[groupOf[code]]])).toBe(true);
    const disconnected = cells.map((ops, code) => (isConnected(ops) ? null : predicted[code])).filter((v) => v !== null);
    expect(disconnected).toHaveLength(341);
    expect(new Set(disconnected).size).toBe(1);
    const connected = cells.map((_, code) => code).filter((code) => isConnected(cells[code]));
    expect(
      spearman(
        connected.map((c) => predicted[c]),
        connected.map((c) => conv3x3[c]),
      ),
    ).toBeGreaterThan(0.8);
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  }, 60_000);
});
