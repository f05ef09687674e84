import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import type { BackendReport } from '../compute/backend';
import type { GpuDeviceLike } from '../compute/gpu-faults';
import { openDatabase } from '../db/open';
import { IdbPredictorStore, MemoryPredictorStore } from '../db/predictors';
import { MIGRATIONS } from '../db/schema';
import { LATENCY_PRESET, BRP_PRESET, type PredictorConfig } from '../predictor/config';
import { mae } from '../predictor/metrics';
import { float32ToBase64, MAX_PREDICTOR_FILE_CHARS } from '../predictor/persist';
import { useCpuBackend } from '../predictor/test-helpers';
import { codeToOps, distinctEncodings, NB201_NUM_CELLS } from '../spaces/nb201';
import { mulberry32, sampleWithoutReplacement } from '../spaces/rng';
import { autoTrainingWorkers, createComputeHandler, nb201PredictionInputs, PARALLEL_MIN_BATCH, TRAINING_ALREADY_RUNNING } from './compute-handler';
import { createGradientHelperHandler } from './gradient-helper-handler';
import type { GradientRequest, GradientResponse } from './gradient-messages';
import type { HelperPort } from './gradient-pool';
import type { ComputeRequest, ComputeResponse, TrainJob } from './compute-messages';

const CPU_REPORT: BackendReport = { name: 'cpu', reason: 'tests run on the cpu backend', tfjsVersion: tf.version_core, crossOriginIsolated: false, attempts: [] };

/** A permutation unlike the identity, so a mix-up of NB201 index and op code shows. */
const opsCode = Float64Array.from({ length: NB201_NUM_CELLS }, (_, index) => (index * 7 + 3) % NB201_NUM_CELLS);
const OP_COST = [0, 0.2, 1.0, 2.5, 0.6];
/** A latency-like target the GCN can learn: a cost per op plus a constant. */
const values = Float64Array.from(opsCode, (code) => 1 + codeToOps(code).reduce<number>((sum, op) => sum + OP_COST[op], 0));
const picked = sampleWithoutReplacement(mulberry32(1), NB201_NUM_CELLS, 260);
const trainIndices = picked.slice(0, 60);
const valIndices = picked.slice(60, 80);
const testIndices = picked.slice(80);

const tiny: PredictorConfig = { ...LATENCY_PRESET, layers: 2, hidden: 16, dropout: 0, lr: 0.01, batchSize: 8, epochs: 12, schedule: 'cosine', seed: 3 };

function job(overrides: Partial<TrainJob> = {}): TrainJob {
  return {
    name: 'test latency',
    kind: 'regression',
    target: { datasetId: 'synthetic', column: 'cost', label: 'op cost', unit: 'ms', datasetVersion: 'v1' },
    values,
    opsCode,
    trainIndices,
    valIndices,
    testIndices,
    config: tiny,
    ...overrides,
  };
}

/**
 * A gradient helper in this thread behind a worker-like port: messages go through structured
 * clone (as postMessage does) and are answered in later tasks, one at a time.
 */
type HelperEvent = GradientRequest['type'] | 'terminated';

function inProcessHelper(log: HelperEvent[], crashOn?: GradientRequest['type']): HelperPort {
  let queue = Promise.resolve();
  const port: HelperPort = {
    onmessage: null,
    onerror: null,
    postMessage(message: GradientRequest) {
      const copy = structuredClone(message);
      log.push(copy.type);
      if (copy.type === crashOn) {
        setTimeout(() => port.onerror?.({ message: 'simulated crash' } as ErrorEvent), 0);
        return;
      }
      queue = queue.then(() => new Promise((resolve) => setTimeout(resolve, 0))).then(() => handler(copy));
    },
    terminate() {
      log.push('terminated');
    },
  };
  const handler = createGradientHelperHandler({
    post: (response: GradientResponse) => port.onmessage?.({ data: structuredClone(response) } as MessageEvent<GradientResponse>),
    useBackend: async (name) => {
      if (name !== 'cpu') throw new Error(`tests only have cpu, not ${name}`);
    },
  });
  return port;
}

function harness({
  memoryStore = false,
  helpers = undefined as undefined | { log: HelperEvent[]; crashOn?: GradientRequest['type'] },
  cores = 1,
  report = CPU_REPORT,
  gpuDevice = undefined as undefined | (() => GpuDeviceLike),
} = {}) {
  const messages: ComputeResponse[] = [];
  let onPost: ((message: ComputeResponse) => void) | undefined;
  let ids = 0;
  const handle = createComputeHandler({
    post: (message) => {
      messages.push(message);
      onPost?.(message);
    },
    chooseBackend: async () => {
      await useCpuBackend();
      return report;
    },
    ...(gpuDevice ? { gpuDevice } : {}),
    openPredictorStore: async () => ({
      store: memoryStore ? new MemoryPredictorStore() : new IdbPredictorStore(await openDatabase(new IDBFactory(), MIGRATIONS, 5000)),
    }),
    newId: () => `p${++ids}`,
    now: () => 1_700_000_000_000 + ids,
    ...(helpers ? { spawnGradientHelper: () => inProcessHelper(helpers.log, helpers.crashOn), cores } : {}),
  });
  /** Sends a request and returns what was posted for it (requests resolve after their answer). */
  const send = async (request: ComputeRequest): Promise<ComputeResponse[]> => {
    const from = messages.length;
    await handle(request);
    return messages.slice(from).filter((m) => !('requestId' in m) || !('requestId' in request) || m.requestId === request.requestId);
  };
  const answer = async <T extends ComputeResponse['type']>(request: ComputeRequest, type: T): Promise<Extract<ComputeResponse, { type: T }>> => {
    const posted = await send(request);
    const last = posted[posted.length - 1];
    if (last?.type !== type) throw new Error(`expected '${type}', got ${JSON.stringify(last).slice(0, 300)}`);
    return last as Extract<ComputeResponse, { type: T }>;
  };
  const failure = async (request: ComputeRequest): Promise<string> => (await answer(request, 'error')).message;
  return { handle, send, answer, failure, messages, setOnPost: (f: typeof onPost) => (onPost = f) };
}

beforeAll(useCpuBackend);

// Training on two shared cores: give each test room beyond vitest's 5 s default.
const SLOW = { timeout: 60_000 };

describe('init', () => {
  test('answers with the backend report, as the page expects', async () => {
    const h = harness();
    expect(await h.send({ type: 'init' })).toEqual([{ type: 'backend', report: CPU_REPORT }]);
  });
});

describe('init during training', SLOW, () => {
  test('a plain init is answered with the backend in use; an override is refused, training goes on', async () => {
    const h = harness();
    const during: Promise<ComputeResponse[]>[] = [];
    h.setOnPost((message) => {
      if (message.type === 'epoch' && message.epoch === 0) {
        during.push(h.send({ type: 'init' }));
        during.push(h.send({ type: 'init', override: 'cpu' }).catch((error: Error) => [{ type: 'error', requestId: 0, message: error.message } as ComputeResponse]));
      }
    });
    const posted = await h.send({ type: 'train', requestId: 11, job: job({ config: { ...tiny, epochs: 3 } }) });
    expect(posted.at(-1)?.type).toBe('trained');
    const [plain, override] = await Promise.all(during);
    expect(plain).toContainEqual({ type: 'backend', report: CPU_REPORT });
    expect(JSON.stringify(override)).toMatch(/The backend cannot change while a predictor is training/);
  });
});

describe('train', SLOW, () => {
  test('a WebGPU device lost mid-run stops training at the next step with the GPU fault message', async () => {
    // The maths runs on cpu; the report says webgpu, so the handler watches the (fake) device.
    let lose: (info: { reason: string; message: string }) => void = () => undefined;
    const lost = new Promise<{ reason: string; message: string }>((resolve) => (lose = resolve));
    const h = harness({ report: { ...CPU_REPORT, name: 'webgpu' }, gpuDevice: () => ({ lost }) });
    h.setOnPost((message) => {
      if (message.type === 'epoch' && message.epoch === 0) lose({ reason: 'unknown', message: 'GPU hung' });
    });
    const posted = await h.send({ type: 'train', requestId: 9, job: job({ config: { ...tiny, epochs: 6 } }) });
    const last = posted.at(-1)!;
    expect(last.type).toBe('error');
    expect(last.type === 'error' && last.message).toMatch(/^The GPU stopped \(device lost\): GPU hung\. Already trained\/saved work is kept/);
    // It stopped at the step after the loss: the first epoch (0) ran, the second did not finish.
    expect(posted.filter((m) => m.type === 'epoch').map((m) => m.type === 'epoch' && m.epoch)).toEqual([0]);
  });

  test('regression: one epoch event per epoch, then trained with test metrics; the predictor is held', async () => {
    const h = harness();
    const posted = await h.send({ type: 'train', requestId: 7, job: job() });
    const epochs = posted.filter((m) => m.type === 'epoch');
    const trained = posted[posted.length - 1];
    if (trained.type !== 'trained') throw new Error(`got ${trained.type}`);
    expect(epochs.length).toBe(trained.result.epochsRun);
    expect(epochs.map((e) => e.type === 'epoch' && e.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    epochs.forEach((e) => expect(e).toMatchObject({ requestId: 7, epochs: 12 }));
    const elapsed = epochs.map((e) => (e.type === 'epoch' ? e.elapsedMs : -1));
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    expect(trained).toMatchObject({ requestId: 7, predictorId: 'p1', result: { backend: 'cpu', epochsRun: 12 } });
    expect(trained.summary).toMatchObject({ id: 'p1', kind: 'regression', features: 6, provenance: { name: 'test latency', trainIndices, valIndices, seed: 3, backend: 'cpu' } });
    const test = trained.result.test!;
    if (test.kind !== 'regression') throw new Error('expected regression metrics');
    expect(Array.from(test.indices)).toEqual(testIndices);
    expect(Array.from(test.truth)).toEqual(testIndices.map((i) => values[i]));
    expect(test.predicted.length).toBe(testIndices.length);
    expect(test.metrics.mae).toBeCloseTo(mae(test.predicted, test.truth), 10);
    expect(test.metrics.spearman).toBeGreaterThan(0.8);
    for (const convention of ['eagle', 'truth'] as const) {
      const bands = [1, 5, 10, 20].map((pct) => test.metrics.within[convention][pct as 1 | 5 | 10 | 20]);
      bands.forEach((share) => expect(share).toBeGreaterThanOrEqual(0));
      expect(bands).toEqual([...bands].sort((a, b) => a - b)); // wider bands hold at least as many
      expect(bands[3]).toBeGreaterThan(0.5);
    }
    expect((await h.answer({ type: 'list-predictors', requestId: 8 }, 'predictor-list')).held).toEqual(['p1']);
  });

  test('BRP: ranks the test cells (Kendall, precision@top-1 %)', async () => {
    const h = harness();
    const config = { ...BRP_PRESET, layers: 2, hidden: 16, dropout: 0, lr: 0.01, batchSize: 32, epochs: 6, seed: 5 };
    const trained = await h.answer({ type: 'train', requestId: 1, job: job({ kind: 'brp', valIndices: [], trainIndices: picked.slice(0, 30), config }) }, 'trained');
    const test = trained.result.test!;
    if (test.kind !== 'brp') throw new Error('expected BRP metrics');
    expect(test.scores.length).toBe(testIndices.length);
    expect(test.metrics.kendall).toBeGreaterThan(0.5);
    // Precision@top-1 %, counted by hand: the share of the 1 % best test cells (at least one) by accuracy that the scores also put there.
    const k = Math.max(1, Math.round(test.truth.length / 100));
    const top = (values: ArrayLike<number>) =>
      new Set(
        Array.from(values, (v, i) => [v, i])
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, k)
          .map(([, i]) => i),
      );
    const byTruth = top(test.truth);
    expect(test.metrics.precisionTop1pct).toBe([...top(test.scores)].filter((i) => byTruth.has(i)).length / k);
  });

  test('refuses bad jobs with one message naming the field', async () => {
    const h = harness();
    const unknown = values.slice();
    unknown[trainIndices[3]] = Number.NaN;
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ values: unknown }) })).toBe(`job.trainIndices[3]: NB201 cell ${trainIndices[3]} has no known cost value`);
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ testIndices: [trainIndices[0]] }) })).toBe(`job.testIndices: NB201 cell ${trainIndices[0]} is also a training or validation cell`);
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ kind: 'brp' }) })).toMatch(/^job.valIndices: must be empty/);
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ trainIndices: [1, 2, 1] }) })).toBe("job: 'trainIndices' lists NB201 index 1 twice");
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ trainIndices: [15625] }) })).toMatch(/^job: 'trainIndices\[0\]' must be an NB201 index 0..15624/);
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ config: { ...tiny, hidden: 0 } }) })).toMatch(/^job.config: 'hidden' must be a positive integer/);
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ values: new Float64Array(10) }) })).toMatch(/^job.values: expected a Float64Array of 15625/);
    const doubled = opsCode.slice();
    doubled[9] = doubled[8];
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ opsCode: doubled }) })).toBe(`job.opsCode[9]: op code ${opsCode[8]} appears twice (not the nb201 ops_code column)`);
  });

  test('pause holds training before its next step; resume finishes it; paused time is not counted', async () => {
    const h = harness();
    await h.send({ type: 'init' });
    h.setOnPost((message) => {
      if (message.type === 'epoch' && message.epoch === 0) void h.handle({ type: 'pause', requestId: 3 });
    });
    const started = performance.now();
    const training = h.send({ type: 'train', requestId: 3, job: job({ config: { ...tiny, epochs: 4 } }) });
    await vi.waitFor(() => expect(h.messages.some((m) => m.type === 'paused')).toBe(true));
    const epochCount = () => h.messages.filter((m) => m.type === 'epoch').length;
    expect(epochCount()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(epochCount()).toBe(1);
    h.setOnPost(undefined);
    expect(await h.send({ type: 'resume', requestId: 3 })).toEqual([{ type: 'resumed', requestId: 3 }]);
    const posted = await training;
    const total = performance.now() - started;
    const trained = posted[posted.length - 1];
    if (trained.type !== 'trained') throw new Error(`got ${trained.type}`);
    expect(epochCount()).toBe(4);
    expect(trained.result.wallMs).toBeLessThan(total - 250);
  });

  test('cancel from another task stops training, answers cancelled and leaks no tensor', async () => {
    const h = harness();
    await h.send({ type: 'init' });
    const baseline = tf.memory().numTensors;
    const training = h.send({ type: 'train', requestId: 4, job: job({ config: { ...tiny, epochs: 500 } }) });
    // A timer only fires if training lets the event loop run between steps.
    setTimeout(() => void h.handle({ type: 'cancel', requestId: 4 }), 150);
    const posted = await training;
    expect(posted[posted.length - 1]).toEqual({ type: 'cancelled', requestId: 4 });
    expect(posted.filter((m) => m.type === 'epoch').length).toBeLessThan(500);
    expect(tf.memory().numTensors).toBe(baseline);
    expect((await h.answer({ type: 'list-predictors', requestId: 5 }, 'predictor-list')).held).toEqual([]);
  });

  test('cancel while paused ends the job too; one job at a time; stray controls are ignored', async () => {
    const h = harness();
    await h.send({ type: 'init' });
    const baseline = tf.memory().numTensors;
    h.setOnPost((message) => {
      if (message.type === 'epoch') void h.handle({ type: 'pause', requestId: 6 });
    });
    const training = h.send({ type: 'train', requestId: 6, job: job() });
    await vi.waitFor(() => expect(h.messages.some((m) => m.type === 'paused')).toBe(true));
    expect(await h.failure({ type: 'train', requestId: 9, job: job() })).toBe(TRAINING_ALREADY_RUNNING);
    expect(await h.send({ type: 'pause', requestId: 999 })).toEqual([]);
    await h.handle({ type: 'cancel', requestId: 6 });
    const posted = await training;
    expect(posted[posted.length - 1]).toEqual({ type: 'cancelled', requestId: 6 });
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('predict-all', SLOW, () => {
  test('embeds the 8,687 distinct encodings once and spreads them over all 15,625 NB201 indices', async () => {
    const { graphs, groupOfIndex } = nb201PredictionInputs(opsCode);
    expect(graphs.length).toBe(8687);
    expect(Array.from(groupOfIndex.subarray(0, 5))).toEqual(Array.from(opsCode.subarray(0, 5), (code) => distinctEncodings().groupOf[code]));

    const h = harness();
    const trained = await h.answer({ type: 'train', requestId: 1, job: job({ config: { ...tiny, epochs: 3 } }) }, 'trained');
    const { values: predicted, kind } = await h.answer({ type: 'predict-all', requestId: 2, predictorId: trained.predictorId }, 'predictions');
    expect(kind).toBe('regression');
    expect(predicted.length).toBe(NB201_NUM_CELLS);
    expect(predicted.every(Number.isFinite)).toBe(true);
    const firstOfGroup = new Map<number, number>();
    groupOfIndex.forEach((group, index) => {
      const first = firstOfGroup.get(group);
      if (first === undefined) firstOfGroup.set(group, predicted[index]);
      else expect(predicted[index]).toBe(first);
    });
    expect(new Set(predicted).size).toBeGreaterThan(100);
    // The same cells scored one by one at the end of training.
    const test = trained.result.test!;
    if (test.kind !== 'regression') throw new Error('expected regression');
    test.indices.forEach((index, k) => expect(predicted[index]).toBeCloseTo(test.predicted[k], 4));
  });

  test('names a missing predictor or op-code table', async () => {
    const h = harness();
    expect(await h.failure({ type: 'predict-all', requestId: 1, predictorId: 'nope' })).toBe("predict-all: send opsCode (the nb201 table's ops_code by index) with the first request");
    expect(await h.failure({ type: 'predict-all', requestId: 1, predictorId: 'nope', opsCode })).toMatch(/^Predictor nope is not loaded in the worker/);
  });
});

describe('saving, loading, export and import', SLOW, () => {
  test('save → list → release → load, and export → import, give the same predictions', async () => {
    const h = harness();
    const trained = await h.answer({ type: 'train', requestId: 1, job: job({ config: { ...tiny, epochs: 2 } }) }, 'trained');
    const id = trained.predictorId;
    const original = (await h.answer({ type: 'predict-all', requestId: 2, predictorId: id }, 'predictions')).values;

    const saved = await h.answer({ type: 'save', requestId: 3, predictorId: id, name: '  renamed  ' }, 'saved');
    expect(saved.summary.provenance.name).toBe('renamed');
    const listed = await h.answer({ type: 'list-predictors', requestId: 4 }, 'predictor-list');
    expect(listed.predictors).toEqual([saved.summary]);
    expect(listed.problems).toEqual([]);

    expect(await h.answer({ type: 'release-predictor', requestId: 5, predictorId: id }, 'released')).toMatchObject({ released: true });
    expect(await h.failure({ type: 'predict-all', requestId: 6, predictorId: id })).toMatch(/is not loaded/);
    expect((await h.answer({ type: 'load-predictor', requestId: 7, id }, 'loaded')).summary).toEqual(saved.summary);
    expect((await h.answer({ type: 'predict-all', requestId: 8, predictorId: id }, 'predictions')).values).toEqual(original);

    const exported = await h.answer({ type: 'export-predictor', requestId: 9, id }, 'exported');
    expect(exported.fileName).toBe('renamed.brp-predictor.json');
    const imported = await h.answer({ type: 'import-predictor', requestId: 10, text: exported.text }, 'imported');
    expect(imported.summary.id).not.toBe(id);
    expect(imported.summary.provenance).toEqual(saved.summary.provenance);
    expect((await h.answer({ type: 'predict-all', requestId: 11, predictorId: imported.summary.id }, 'predictions')).values).toEqual(original);
    // An export of a saved but not loaded predictor reads the store.
    await h.answer({ type: 'release-predictor', requestId: 12, predictorId: imported.summary.id }, 'released');
    expect((await h.answer({ type: 'export-predictor', requestId: 13, id: imported.summary.id }, 'exported')).text).toBe(exported.text);

    expect(await h.answer({ type: 'delete-predictor', requestId: 14, id }, 'deleted')).toMatchObject({ id, deleted: true });
    expect(await h.failure({ type: 'load-predictor', requestId: 15, id })).toBe(`There is no saved predictor ${id}`);
    const after = await h.answer({ type: 'list-predictors', requestId: 16 }, 'predictor-list');
    expect(after.predictors.map((p) => p.id)).toEqual([imported.summary.id]);
    expect(after.held).toEqual([]);
  });

  test('each corrupt or mismatched file is refused with its own message, and nothing is stored', async () => {
    const h = harness({ memoryStore: true });
    const trained = await h.answer({ type: 'train', requestId: 1, job: job({ config: { ...tiny, epochs: 1 } }) }, 'trained');
    const text = (await h.answer({ type: 'export-predictor', requestId: 2, id: trained.predictorId }, 'exported')).text;
    await h.answer({ type: 'release-predictor', requestId: 3, predictorId: trained.predictorId }, 'released');
    const good = JSON.parse(text);
    const edited = (edit: (file: typeof good) => void) => {
      const copy = structuredClone(good);
      edit(copy);
      return JSON.stringify(copy);
    };
    const refusal = (fileText: string) => h.failure({ type: 'import-predictor', requestId: 4, text: fileText });
    const nan = new Float32Array(good.predictor.weights[0].shape[0] * good.predictor.weights[0].shape[1]);
    nan[5] = Number.NaN;

    expect(await refusal('{"format": ')).toMatch(/^predictor file: not JSON \(/);
    expect(await refusal('[1, 2]')).toBe('predictor file: expected a JSON object');
    expect(await refusal(edited((f) => (f.format = 'something-else')))).toMatch(/^predictor file: 'format' must be 'brp-nas-lab\/predictor-file'/);
    expect(await refusal(edited((f) => (f.version = 2)))).toBe('predictor file: unsupported version 2 (this build reads version 1)');
    expect(await refusal(' '.repeat(MAX_PREDICTOR_FILE_CHARS + 1))).toBe('predictor file: 64 MB is larger than the 64 MB a predictor file may have');
    expect(await refusal(edited((f) => (f.predictor.features = 7)))).toBe('predictor file: built for 7 node features, the NB201 encoding has 6');
    expect(await refusal(edited((f) => (f.predictor.weights[0].float32le = float32ToBase64(nan))))).toBe("predictor file: weights[0] ('gcn.0.weight'): values[5] is not a finite number");
    expect(await refusal(edited((f) => (f.predictor.weights[0].shape = [3, 32])))).toBe("predictor file: weight 'gcn.0.weight' has shape [3, 32], expected [6, 16]");
    expect(await refusal(edited((f) => (f.predictor.weights[0].shape = [6, 17])))).toBe("predictor file: weights[0] ('gcn.0.weight'): 96 values for shape [6, 17]");
    expect(await refusal(edited((f) => (f.predictor.weights[1].float32le = `@${'A'.repeat(15)}`)))).toBe("predictor file: predictor.weights[1] ('gcn.0.bias'): character 0 ('@') is not base64");
    expect(await refusal(edited((f) => f.predictor.weights.pop()))).toBe("predictor file: weight 'head.bias' is missing");
    expect(await refusal(edited((f) => (f.provenance.trainIndices = [1, 'x'])))).toBe('predictor file: provenance: \'trainIndices[1]\' must be an NB201 index 0..15624, got "x"');
    expect(await refusal(edited((f) => (f.predictor.config.hidden = 32)))).toBe("predictor file: 'predictor.config' differs from 'provenance.config'");
    expect(await refusal(edited((f) => (f.predictor.kind = 'brp')))).toMatch(/^predictor file: 'predictor.kind' must be the provenance's kind 'regression'/);

    const listed = await h.answer({ type: 'list-predictors', requestId: 5 }, 'predictor-list');
    expect(listed.predictors).toEqual([]);
    expect(listed.held).toEqual([]);
    // The unedited file still imports.
    expect((await h.answer({ type: 'import-predictor', requestId: 6, text }, 'imported')).summary.kind).toBe('regression');
  });
});

describe('data-parallel training', SLOW, () => {
  test('2 workers train the same model as 1 (no dropout), helpers are reused and freed', async () => {
    const log: HelperEvent[] = [];
    const h = harness({ helpers: { log }, cores: 2 });
    const config = { ...tiny, epochs: 4 };
    const single = await h.answer({ type: 'train', requestId: 1, job: job({ config, workers: 1 }) }, 'trained');
    expect(log).toEqual([]);
    expect(single.result.workers).toBe(1);
    const parallel = await h.answer({ type: 'train', requestId: 2, job: job({ config, workers: 2 }) }, 'trained');
    expect(parallel.result.workers).toBe(2);
    expect(parallel.summary.provenance.workers).toBe(2);
    const steps = 4 * Math.ceil(trainIndices.length / tiny.batchSize);
    expect(log.filter((t) => t === 'init')).toHaveLength(1);
    expect(log.filter((t) => t === 'shards')).toHaveLength(steps);
    expect(log.at(-1)).toBe('release');
    const [a, b] = [single.result.test!, parallel.result.test!];
    if (a.kind !== 'regression' || b.kind !== 'regression') throw new Error('expected regression metrics');
    const scale = Math.max(...a.predicted);
    for (let i = 0; i < a.predicted.length; i++) expect(Math.abs(a.predicted[i] - b.predicted[i])).toBeLessThan(1e-3 * scale);
    // A second parallel run reuses the started helper.
    await h.answer({ type: 'train', requestId: 3, job: job({ config: { ...config, epochs: 1 }, workers: 2 }) }, 'trained');
    expect(log.filter((t) => t === 'init')).toHaveLength(1);
    // BRP shards its pairs too.
    const brp = await h.answer(
      {
        type: 'train',
        requestId: 4,
        job: job({ kind: 'brp', valIndices: [], trainIndices: picked.slice(0, 12), config: { ...BRP_PRESET, layers: 2, hidden: 16, batchSize: 40, epochs: 2, seed: 5 }, workers: 2 }),
      },
      'trained',
    );
    expect(brp.result.workers).toBe(2);
  });

  test('a helper that crashes fails the run with its message; the next run starts new helpers', async () => {
    const log: HelperEvent[] = [];
    const h = harness({ helpers: { log, crashOn: 'shards' }, cores: 2 });
    expect(await h.failure({ type: 'train', requestId: 1, job: job({ workers: 2 }) })).toBe('gradient helper 1: simulated crash');
    expect(await h.failure({ type: 'train', requestId: 2, job: job({ workers: 2 }) })).toBe('gradient helper 1: simulated crash');
    // The broken pool was stopped and a new helper started for the second run.
    expect(log.filter((t) => t === 'terminated')).toHaveLength(1);
    expect(log.filter((t) => t === 'init')).toHaveLength(2);
    expect(await h.failure({ type: 'train', requestId: 3, job: job({ workers: 5 }) })).toMatch(/^job.workers: must be an integer 1..4/);
  });

  test('the automatic worker count: one per core on WASM/cpu for batches ≥ PARALLEL_MIN_BATCH, else 1', () => {
    const wasm = { ...CPU_REPORT, name: 'wasm' as const, wasmThreads: 1 };
    expect(autoTrainingWorkers(wasm, 2, PARALLEL_MIN_BATCH)).toBe(2);
    expect(autoTrainingWorkers(wasm, 8, 64)).toBe(4);
    expect(autoTrainingWorkers(wasm, 2, PARALLEL_MIN_BATCH - 1)).toBe(1);
    expect(autoTrainingWorkers({ ...wasm, wasmThreads: 2 }, 2, 64)).toBe(1);
    expect(autoTrainingWorkers({ ...CPU_REPORT, name: 'webgpu' }, 8, 64)).toBe(1);
    expect(autoTrainingWorkers(CPU_REPORT, 1, 64)).toBe(1);
  });

  test('without a way to start helpers every run uses this worker alone', async () => {
    const h = harness();
    const trained = await h.answer({ type: 'train', requestId: 1, job: job({ config: { ...tiny, epochs: 1 }, workers: 2 }) }, 'trained');
    expect(trained.result.workers).toBe(1);
  });
});

describe('backend readiness', () => {
  test('a request that needs tfjs before `init` chooses the backend first, and `init` then reuses that choice', async () => {
    let choices = 0;
    const posted: ComputeResponse[] = [];
    const handle = createComputeHandler({
      post: (message) => posted.push(message),
      chooseBackend: async () => {
        choices++;
        await useCpuBackend();
        return CPU_REPORT;
      },
      openPredictorStore: async () => ({ store: new MemoryPredictorStore() }),
    });
    await handle({ type: 'import-predictor', requestId: 1, text: 'not json' });
    expect(choices).toBe(1);
    expect(posted.find((m) => m.type === 'error')).toBeDefined();
    await handle({ type: 'init' });
    expect(choices).toBe(1);
    expect(posted.filter((m) => m.type === 'backend')).toHaveLength(1);
  });
});
