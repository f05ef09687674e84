/**
 * The search's scoring reads with `await data()` only (a synchronous read stalls a GPU and on
 * tfjs-webgpu returns zeros), gives the numbers the synchronous reads give, and leaves tfjs's
 * tensor count and bytes where they were, iteration after iteration.
 */
import { afterEach, beforeAll, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BRP_PRESET, type PredictorConfig } from '../predictor/config';
import { packPredictor, packPredictorAsync } from '../predictor/persist';
import { forbidSyncReads, useCpuBackend } from '../predictor/test-helpers';
import { trainBrp, trainRegressor } from '../predictor/train';
import { comparatorPositions } from '../search/predictor-search';
import { encodings, searchScoring } from './search-handler';

beforeAll(useCpuBackend);

const config: PredictorConfig = { ...BRP_PRESET, layers: 2, hidden: 8, dropout: 0, lr: 0.01, weightDecay: 5e-4, batchSize: 4, epochs: 2, schedule: 'cosine', seed: 2 };
// ops_code per NB201 index; any permutation of the codes gives each index one cell
const space = encodings(Float64Array.from({ length: 15625 }, (_, i) => (i * 7) % 15625));
const trainOn = [3, 141, 592, 6535, 8979, 3238, 4626, 4338, 3279, 5028];
let allow: (() => void) | null = null;
afterEach(() => {
  allow?.();
  allow = null;
});

test('scoreAll, scoreCells and checkpoint packing never read synchronously, equal the synchronous reads, and keep tensors flat', async () => {
  const graphs = trainOn.map((i) => space.byIndex[i]);
  const targets = trainOn.map((i) => (i % 97) / 10);
  const brp = await trainBrp({ graphs, targets, config });
  const regressor = await trainRegressor({ graphs, targets, config });
  const scoring = searchScoring(space);
  const pool = [5, 77, 15624, 3];
  const spread = (perGroup: ArrayLike<number>) => Float64Array.from(space.groupOfIndex, (group) => perGroup[group]);
  const before = tf.memory();
  allow = forbidSyncReads();
  const rounds = [];
  for (let round = 0; round < 2; round++) {
    rounds.push({
      antisymmetric: await scoring.scoreAll(brp, 'antisymmetric'),
      comparator: await scoring.scoreAll(brp, 'comparator'),
      regression: await scoring.scoreAll(regressor, 'antisymmetric'),
      cells: await scoring.scoreCells(brp, pool),
      cellsRegression: await scoring.scoreCells(regressor, pool),
      packed: await packPredictorAsync(brp),
    });
    const now = tf.memory();
    expect({ numTensors: now.numTensors, numBytes: now.numBytes }).toEqual({ numTensors: before.numTensors, numBytes: before.numBytes });
  }
  allow();
  allow = null;
  const sync = brp.scoreBrp(space.distinct, { distinctRows: true });
  const expected = {
    antisymmetric: spread(sync.r),
    comparator: comparatorPositions(spread(sync.s), spread(sync.t), sync.c),
    regression: spread(regressor.predict(space.distinct, { distinctRows: true })),
    cells: Float64Array.from(brp.scoreBrp(pool.map((i) => space.byIndex[i])).r),
    cellsRegression: Float64Array.from(regressor.predict(pool.map((i) => space.byIndex[i]))),
    packed: packPredictor(brp.serialize()),
  };
  for (const round of rounds) expect(round).toEqual(expected);
  brp.dispose();
  regressor.dispose();
});
