/**
 * What `bench:predictor` times besides training runs: a few regression training steps (graphs per
 * second and FLOP/s) and a plain matmul on the active backend, with the app's training code and
 * its data-parallel helpers. It runs in the bench page's own worker (speed.worker.ts), so none of
 * it is in what visitors download.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, BackendReport } from '../src/lib/compute/backend';
import { validateConfig, type PredictorConfig } from '../src/lib/predictor/config';
import { regressionStepFlops } from '../src/lib/predictor/flops';
import { dense } from '../src/lib/predictor/ops';
import { trainRegressor } from '../src/lib/predictor/train';
import { allCells, eagleEncoding, EAGLE_NB201_FEATURES, NB201_NUM_CELLS } from '../src/lib/spaces/nb201';
import { autoTrainingWorkers } from '../src/lib/workers/compute-handler';
import { MAX_TRAINING_WORKERS } from '../src/lib/workers/compute-jobs';
import { keptPeers, type HelperPort } from '../src/lib/workers/gradient-pool';

/** What a speed measurement found on the active backend. */
export interface SpeedResult {
  backend: BackendName;
  /** Workers that computed each batch (1 = the speed worker alone). */
  workers: number;
  /** Training graphs per second of the regression GCN at `batchSize` (steady state: the second epoch). */
  graphsPerS: number;
  /** Analytic matmul FLOPs of those training steps per second, 10⁹/s. */
  gflops: number;
  /**
   * The achievable peak: the faster of the two plain [1024, H]·[H, H] products below (H =
   * config.hidden; 1024×600·600×600 for the presets) on the same backend, 10⁹ FLOP/s.
   */
  matmulPeakGflops: number;
  /** That product by tfjs's own matMul, 10⁹ FLOP/s (median of 10). */
  tfjsMatmulGflops: number;
  /** That product by dense() as the GCN runs it (on WASM the heap GEMM kernels), 10⁹ FLOP/s (median of 10). */
  denseMatmulGflops: number;
  /** Wall time of one training step (ms). */
  stepMs: number;
  batchSize: number;
  /** Analytic FLOPs of one training step. */
  stepFlops: number;
}

/** Page → speed worker: time `steps` training steps of `config` (default 8) on `workers` workers (default: the app's automatic choice). */
export interface SpeedRequest {
  type: 'measure-speed';
  requestId: number;
  /** The backend to choose on the first request (default: the app's choice); later requests use the same one. */
  backend?: BackendName;
  config: PredictorConfig;
  steps?: number;
  /** As TrainJob.workers. */
  workers?: number;
}

export type SpeedResponse = { type: 'speed'; requestId: number; result: SpeedResult } | { type: 'error'; requestId?: number; message: string };

/**
 * Median wall time of a plain [rows, H]·[H, H] product (the GCN layer's shape), after one warm-up
 * (ms): tfjs's own matMul, or dense() as the GCN runs it (ops.ts: on WASM the heap GEMM kernels).
 */
export async function medianMatmulMs(rows: number, hidden: number, reps: number, product: 'tfjs' | 'dense'): Promise<number> {
  const a = tf.randomUniform([rows, hidden]) as tf.Tensor2D;
  const b = tf.randomUniform([hidden, hidden]) as tf.Tensor2D;
  const times: number[] = [];
  try {
    for (let i = 0; i <= reps; i++) {
      const started = performance.now();
      const c = product === 'tfjs' ? tf.matMul(a, b) : dense(a, b);
      await c.data();
      c.dispose();
      if (i > 0) times.push(performance.now() - started);
    }
  } finally {
    tf.dispose([a, b]);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}

export interface SpeedDeps {
  /** Starts one gradient helper; absent: every measurement uses this worker alone. */
  spawnGradientHelper?(): HelperPort;
  /** Logical cores the browser reports; default 1. */
  cores?: number;
}

/**
 * The measurement, keeping its gradient helpers between calls as the compute worker does between
 * training runs (restarted when the count or the backend changes, or one crashed).
 */
export function createSpeedMeter(deps: SpeedDeps = {}): (report: BackendReport, config: PredictorConfig, steps?: number, workers?: number) => Promise<SpeedResult> {
  const trainingPeers = keptPeers(deps.spawnGradientHelper?.bind(deps), (report: BackendReport, batchSize) => autoTrainingWorkers(report, deps.cores ?? 1, batchSize));

  return async (report, rawConfig, steps = 8, requestedWorkers) => {
    if (!Number.isInteger(steps) || steps < 1 || steps > 1000) throw new Error(`measure-speed: steps must be an integer 1..1000, got ${steps}`);
    // Two epochs of `steps` steps; the second is timed (the first pays for kernel compilation).
    const config = { ...validateConfig(rawConfig, 'measure-speed config'), epochs: 2, esPatience: 0, restoreBest: 'last-epoch' as const };
    const cells = allCells();
    const count = steps * config.batchSize;
    // Spread over the space; the values only need a range (the speed does not depend on them).
    const codes = Array.from({ length: count }, (_, k) => (k * 7919) % NB201_NUM_CELLS);
    const graphs = codes.map((code) => eagleEncoding(cells[code]));
    const targets = codes.map((code) => cells[code].filter((op) => op >= 2).length + code / NB201_NUM_CELLS);
    if (requestedWorkers !== undefined && (!Number.isInteger(requestedWorkers) || requestedWorkers < 1 || requestedWorkers > MAX_TRAINING_WORKERS)) {
      throw new Error(`measure-speed: workers must be an integer 1..${MAX_TRAINING_WORKERS}, got ${requestedWorkers}`);
    }
    const { workers, peers } = await trainingPeers(requestedWorkers, report, config.batchSize);
    const epochMs: number[] = [];
    try {
      const predictor = await trainRegressor({ graphs, targets, valGraphs: graphs.slice(0, 1), valTargets: targets.slice(0, 1), config, peers, onEpoch: (r) => void epochMs.push(r.ms) });
      predictor.dispose();
    } finally {
      await peers?.release().catch(() => undefined);
    }
    const stepMs = epochMs[1] / steps;
    const stepFlops = regressionStepFlops({ layers: config.layers, hidden: config.hidden, nodes: graphs[0].nodes, features: EAGLE_NB201_FEATURES.length, batchSize: config.batchSize });
    const matmulRows = 1024;
    const matmulGflops = (ms: number) => (2 * matmulRows * config.hidden * config.hidden) / ms / 1e6;
    const tfjsMatmulGflops = matmulGflops(await medianMatmulMs(matmulRows, config.hidden, 10, 'tfjs'));
    const denseMatmulGflops = matmulGflops(await medianMatmulMs(matmulRows, config.hidden, 10, 'dense'));
    const result: SpeedResult = {
      backend: report.name,
      workers,
      graphsPerS: (config.batchSize * 1000) / stepMs,
      gflops: stepFlops / stepMs / 1e6,
      matmulPeakGflops: Math.max(tfjsMatmulGflops, denseMatmulGflops),
      tfjsMatmulGflops,
      denseMatmulGflops,
      stepMs,
      batchSize: config.batchSize,
      stepFlops,
    };
    return result;
  };
}
