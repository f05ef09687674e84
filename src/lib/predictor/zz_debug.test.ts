import { beforeAll, test } from 'vitest';
import { BRP_PRESET, type PredictorConfig } from './config.ts';
import { spearman } from './metrics.ts';
import { randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { trainRegressor } from './train.ts';
beforeAll(useCpuBackend);
const graphs = randomGraphs(100, 24, 6, 3);
const targets = graphs.map(synthesiseTarget);
const valGraphs = randomGraphs(200, 10, 6, 3);
const valTargets = valGraphs.map(synthesiseTarget);
test('dbg', async () => {
  for (const [lr, hidden, epochs, batch] of [[0.01, 12, 30, 4], [0.003, 12, 30, 4], [0.01, 24, 30, 4], [0.01,12,60,4], [0.003, 16, 40, 2]]) {
    const config: PredictorConfig = { ...BRP_PRESET, layers: 2, hidden, dropout: 0, lr, batchSize: batch, epochs, schedule: 'cosine', seed: 11 };
    const p = await trainRegressor({ graphs, targets, valGraphs, valTargets, config });
    const h = p.training!.history;
    console.log(lr, hidden, epochs, batch, h.filter((_, i) => i % 5 === 0).map((r) => r.valLoss.toFixed(3)).join(' '), 'last', h.at(-1)!.valLoss.toFixed(3), 'train', h.at(-1)!.trainLoss.toFixed(3), 'rho', spearman(p.predict(valGraphs), valTargets).toFixed(3));
    p.dispose();
  }
  console.log(targets.map((t) => t.toFixed(1)).join(' '));
  console.log(valTargets.map((t) => t.toFixed(1)).join(' '));
}, 120000);
