import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BRP_PRESET, type PredictorConfig } from './config.ts';
import { pairKl, softTarget } from './heads.ts';
import { kendallTauB, spearman, withinPct } from './metrics.ts';
import { restorePredictor, type BrpPredictor, type RegressionPredictor } from './predictor.ts';
import { randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { trainBrp, trainRegressor } from './train.ts';

beforeAll(useCpuBackend);

const tiny: PredictorConfig = {
  ...BRP_PRESET,
  layers: 2,
  hidden: 12,
  dropout: 0,
  lr: 0.01,
  weightDecay: 5e-4,
  batchSize: 4,
  epochs: 30,
  schedule: 'cosine',
  seed: 11,
};

const graphs = randomGraphs(100, 24, 6, 3);
const targets = graphs.map(synthesiseTarget);
const valGraphs = randomGraphs(200, 10, 6, 3);
const valTargets = valGraphs.map(synthesiseTarget);

/** The regressor's validation sum recomputed from its public predictions (normalised units). */
function normalisedL1(predictor: RegressionPredictor): number {
  const { min, max } = predictor.normalisation!;
  const predicted = predictor.predict(valGraphs);
  return valTargets.reduce((sum, t, i) => sum + Math.abs((predicted[i] - t) / (max - min)), 0);
}

describe('trainRegressor', () => {
  test('learns a graph property, de-normalises predictions, and frees every tensor', async () => {
    const baseline = tf.memory().numTensors;
    const predictor = await trainRegressor({ graphs, targets, valGraphs, valTargets, config: { ...tiny, hidden: 24 } });
    const history = predictor.training!.history;
    expect(history).toHaveLength(30);
    expect(history.at(-1)!.valLoss).toBeLessThan(history[0].valLoss / 3);
    expect(predictor.normalisation).toEqual({ min: Math.min(...targets), max: Math.max(...targets) });
    const predicted = predictor.predict(valGraphs);
    expect(spearman(predicted, valTargets)).toBeGreaterThan(0.8);
    expect(Math.max(...predicted)).toBeGreaterThan(1); // original units, not [0, 1]
    // Each epoch reports validation metrics in target units; the best epoch's (best-copy restores
    // its weights) match the finished predictor's.
    const best = history[predictor.training!.bestEpoch];
    expect(best.valMetrics!.spearman).toBeCloseTo(spearman(predicted, valTargets), 4);
    expect(best.valMetrics!.within10).toBeCloseTo(withinPct(predicted, valTargets, 10, 'eagle'), 6);
    expect(history[0].valMetrics!.spearman).toBeLessThan(best.valMetrics!.spearman!);
    expect(predictor.embed(valGraphs.slice(0, 2))).toHaveLength(2 * 24);
    predictor.serialize();
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    expect(() => predictor.predict(valGraphs)).toThrow('this predictor was disposed');
  });

  test("'best-copy' restores the lowest-loss epoch; 'last-epoch' keeps the last (eagle)", async () => {
    const noisy = { ...tiny, lr: 0.08, dropout: 0.3, epochs: 14 };
    const best = await trainRegressor({ graphs, targets, valGraphs, valTargets, config: { ...noisy, restoreBest: 'best-copy' } });
    const last = await trainRegressor({ graphs, targets, valGraphs, valTargets, config: { ...noisy, restoreBest: 'last-epoch' } });
    const summary = best.training!;
    const losses = summary.history.map((r) => r.valLoss);
    expect(summary.bestEpoch).toBeLessThan(summary.epochsRun - 1); // the case where the two differ
    expect(summary.bestValLoss).toBe(Math.min(...losses));
    expect(normalisedL1(best)).toBeCloseTo(summary.bestValLoss, 3);
    expect(normalisedL1(last)).toBeCloseTo(losses.at(-1)!, 3);
    expect(Math.abs(normalisedL1(best) - normalisedL1(last))).toBeGreaterThan(1e-2);
    best.dispose();
    last.dispose();
  });

  test('same seed → identical predictor; other seed → different', async () => {
    const config = { ...tiny, epochs: 3, dropout: 0.2 };
    const a = await trainRegressor({ graphs, targets, config });
    const b = await trainRegressor({ graphs, targets, config });
    const c = await trainRegressor({ graphs, targets, config: { ...config, seed: 12 } });
    expect(a.predict(valGraphs)).toEqual(b.predict(valGraphs));
    expect(a.predict(valGraphs)).not.toEqual(c.predict(valGraphs));
    [a, b, c].forEach((p) => p.dispose());
  });

  test('early stopping and the plateau schedule follow the hand trace (frozen weights)', async () => {
    // lr 1e-30 leaves float32 weights unchanged, so every validation sum is identical.
    const frozen = { ...tiny, lr: 1e-30, weightDecay: 0, batchSize: 24, epochs: 60, schedule: 'plateau' as const, lrPatience: 1, esPatience: 2 };
    const stopped = await trainRegressor({ graphs, targets, config: frozen });
    // Epoch 21 sets the ES reference, 22 and 23 are bad → stop after epoch 23.
    expect(stopped.training!.epochsRun).toBe(24);
    expect(stopped.training!.stoppedEarly).toBe(true);
    expect(stopped.training!.bestEpoch).toBe(0);
    stopped.dispose();
    // lr 1e-7 moves the validation sum by far less than the plateau's 1 % threshold (torch
    // ignores cuts below 1e-8, so the frozen lr above would never be cut).
    const plateau = await trainRegressor({ graphs, targets, config: { ...frozen, lr: 1e-7, epochs: 27, esPatience: 0 } });
    // Plateau: epoch 21 sets best, 22 bad 1, 23 bad 2 > 1 → cut; 24, 25 → cut again.
    const lrs = plateau.training!.history.map((r) => r.lr);
    expect(lrs.slice(0, 24).every((lr) => lr === 1e-7)).toBe(true);
    expect(lrs.slice(24)).toEqual([5e-8, 5e-8, 2.5e-8]);
    plateau.dispose();
  });

  test('abort stops between steps with an AbortError and leaks nothing', async () => {
    const baseline = tf.memory().numTensors;
    const controller = new AbortController();
    const epochsSeen: number[] = [];
    const run = trainRegressor({
      graphs,
      targets,
      config: tiny,
      signal: controller.signal,
      onEpoch: (record) => {
        epochsSeen.push(record.epoch);
        if (record.epoch === 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochsSeen).toEqual([0, 1]);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  test("targetScale 'log' fits ln(target): normalisation is of the logs, predictions come back in target units", async () => {
    const positive = targets.map((t) => t + 1);
    const positiveVal = valTargets.map((t) => t + 1);
    const predictor = await trainRegressor({ graphs, targets: positive, valGraphs, valTargets: positiveVal, config: { ...tiny, hidden: 24, targetScale: 'log' } });
    expect(predictor.normalisation!.min).toBeCloseTo(Math.log(Math.min(...positive)), 6);
    expect(predictor.normalisation!.max).toBeCloseTo(Math.log(Math.max(...positive)), 6);
    const predicted = predictor.predict(valGraphs);
    expect(Math.min(...predicted)).toBeGreaterThan(0);
    expect(Math.max(...predicted)).toBeGreaterThan(Math.log(Math.max(...positive))); // de-logged, not left as ln
    expect(spearman(predicted, positiveVal)).toBeGreaterThan(0.8);
    const restored = restorePredictor(predictor.serialize()) as RegressionPredictor;
    expect(Array.from(restored.predict(valGraphs))).toEqual(Array.from(predicted));
    predictor.dispose();
    restored.dispose();
    await expect(trainRegressor({ graphs, targets: [0, ...positive.slice(1)], config: { ...tiny, targetScale: 'log' } })).rejects.toThrow(/targetScale 'log' needs positive targets/);
  });

  test('bad targets are named', async () => {
    await expect(trainRegressor({ graphs, targets: targets.slice(1), config: tiny })).rejects.toThrow('targets: 23 targets for 24 graphs');
    await expect(trainRegressor({ graphs, targets: [Number.NaN, ...targets.slice(1)], config: tiny })).rejects.toThrow('targets[0]: NaN is not a finite number');
    await expect(trainRegressor({ graphs, targets, valGraphs, config: tiny })).rejects.toThrow('valTargets: required when valGraphs are given');
    await expect(trainRegressor({ graphs, targets, valGraphs, valTargets: [1], config: tiny })).rejects.toThrow('valTargets: 1 targets for 10 graphs');
  });
});

describe('trainBrp', () => {
  const brpGraphs = graphs.slice(0, 12);
  const accuracy = brpGraphs.map((g) => synthesiseTarget(g) / 10);
  const brpConfig = { ...tiny, batchSize: 16, epochs: 25 };

  function pairAccuracy(predictor: BrpPredictor): number {
    const { s, t, c } = predictor.scoreBrp(brpGraphs);
    let correct = 0;
    let total = 0;
    accuracy.forEach((ai, i) =>
      accuracy.forEach((aj, j) => {
        if (i === j || ai === aj) return;
        total += 1;
        if (s[i] + t[j] + c > 0 === ai > aj) correct += 1;
      }),
    );
    return correct / total;
  }

  test('learns the order, reports the eval-mode KL sum, and frees every tensor', async () => {
    const baseline = tf.memory().numTensors;
    const predictor = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: brpConfig });
    const summary = predictor.training!;
    expect(summary.history[0].steps).toBe(Math.ceil((12 * 11) / 16));
    expect(summary.history.at(-1)!.valLoss).toBeLessThan(summary.history[0].valLoss);
    expect(pairAccuracy(predictor)).toBeGreaterThan(0.85);
    // The epoch's pair accuracy is counted on the same ordered pairs as pairAccuracy() below.
    const bestRecord = summary.history[summary.bestEpoch];
    expect(bestRecord.valMetrics!.pairAccuracy).toBeCloseTo(pairAccuracy(predictor), 6);
    const scores = predictor.scoreBrp(brpGraphs);
    expect(kendallTauB(scores.r, accuracy)).toBeGreaterThan(0.6);
    // The loop's validation sum equals KL over all ordered pairs from the public scores.
    let kl = 0;
    accuracy.forEach((ai, i) =>
      accuracy.forEach((aj, j) => {
        if (i !== j) kl += pairKl(scores.s[i] + scores.t[j] + scores.c, softTarget(ai, aj));
      }),
    );
    expect(kl).toBeCloseTo(summary.bestValLoss, 3);
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  test("'per-pair' mode trains to the same weights as 'embed-once' without dropout", async () => {
    const short = { ...brpConfig, epochs: 2 };
    const once = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: { ...short, pairMode: 'embed-once' } });
    const perPair = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: { ...short, pairMode: 'per-pair' } });
    const a = once.scoreBrp(brpGraphs).r;
    const b = perPair.scoreBrp(brpGraphs).r;
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 3));
    once.dispose();
    perPair.dispose();
  });

  test('serialize → JSON → restore gives the same scores; tampered files are rejected', async () => {
    const predictor = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: { ...brpConfig, epochs: 2 } });
    const json = JSON.parse(JSON.stringify(predictor.serialize()));
    const restored = restorePredictor(json) as BrpPredictor;
    expect(restored.kind).toBe('brp');
    expect(restored.training).toBeNull();
    expect(restored.scoreBrp(brpGraphs)).toEqual(predictor.scoreBrp(brpGraphs));
    const head = json.weights.findIndex((w: { name: string }) => w.name === 'head.bias');
    const tampered = structuredClone(json);
    tampered.weights[head].values[1] = 'x';
    expect(() => restorePredictor(tampered, 'saved.json')).toThrow(`saved.json: weights[${head}] ('head.bias'): values[1] is not a finite number`);
    const missing = { ...json, weights: json.weights.filter((_: unknown, i: number) => i !== head) };
    expect(() => restorePredictor(missing, 'saved.json')).toThrow("saved.json: weight 'head.bias' is missing");
    expect(() => restorePredictor({ ...json, version: 9 })).toThrow('unsupported version 9');
    const before = tf.memory().numTensors;
    expect(() => restorePredictor({ ...json, features: 4 })).toThrow("weight 'gcn.0.weight' has shape [3, 12], expected [4, 12]");
    expect(tf.memory().numTensors).toBe(before);
    predictor.dispose();
    restored.dispose();
  });

  test('init: a BRP continues from a predictor; a regressor takes only its GCN (transfer)', async () => {
    const source = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: { ...brpConfig, epochs: 2 } });
    const still = { ...brpConfig, epochs: 1, lr: 1e-30, weightDecay: 0 };
    const continued = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: still, init: source });
    expect(continued.scoreBrp(brpGraphs)).toEqual(source.scoreBrp(brpGraphs));
    const transferred = await trainRegressor({ graphs, targets, config: still, init: source.serialize() });
    expect(transferred.embed(brpGraphs)).toEqual(source.embed(brpGraphs));
    await expect(trainRegressor({ graphs: randomGraphs(5, 4, 6, 4), targets: [1, 2, 3, 4], config: still, init: source })).rejects.toThrow(
      'init: predictor was built for 3 node features, the graphs have 4',
    );
    [source, continued, transferred].forEach((p) => p.dispose());
  });

  test("a warm-up after a transfer (eagle's --transfer --warmup) comes before the epochs and changes the result; the transferred GCN is the latency GCN's", async () => {
    const latency = await trainRegressor({ graphs: brpGraphs, targets: accuracy, config: { ...brpConfig, epochs: 2 } });
    const warmups: boolean[] = [];
    const config = { ...brpConfig, epochs: 1, lr: 0.01 };
    const warmed = await trainBrp({ graphs: brpGraphs, targets: accuracy, config, init: latency, warmupEpochs: 3, onEpoch: (r) => void warmups.push(r.warmup === true) });
    expect(warmups).toEqual([true, true, true, false]);
    const unwarmed = await trainBrp({ graphs: brpGraphs, targets: accuracy, config, init: latency });
    expect(warmed.scoreBrp(brpGraphs)).not.toEqual(unwarmed.scoreBrp(brpGraphs));
    // With a vanishing lr nothing moves: the BRP's GCN is exactly the latency GCN's (the loop's tests check the warm-up freezes it).
    const still = await trainBrp({ graphs: brpGraphs, targets: accuracy, config: { ...config, lr: 1e-30, weightDecay: 0 }, init: latency, warmupEpochs: 2 });
    expect(still.embed(brpGraphs)).toEqual(latency.embed(brpGraphs));
    [latency, warmed, unwarmed, still].forEach((p) => p.dispose());
  });
});
