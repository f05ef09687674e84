/// <reference lib="webworker" />
/**
 * The compute worker: all tfjs work (backend choice, predictor training, prediction, saving)
 * runs here so the page never freezes. Create it with
 * `new Worker(new URL('./compute.worker.ts', import.meta.url), { type: 'module' })`; messages are
 * in `compute-messages.ts`, the behaviour in `compute-handler.ts` (tested there).
 */
import { chooseBackend } from '../compute/backend';
import { WASM_PATHS } from '../compute/wasm-paths';
import { openPredictorStore } from '../db/predictors';
import { createComputeHandler } from './compute-handler';
import type { ComputeRequest, ComputeResponse } from './compute-messages';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const handle = createComputeHandler({
  post: (message: ComputeResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer),
  chooseBackend: (override) => chooseBackend({ override, wasmPaths: WASM_PATHS }),
  openPredictorStore: () => openPredictorStore(),
  spawnGradientHelper: () => new Worker(new URL('./gradient-helper.worker.ts', import.meta.url), { type: 'module', name: 'gradient-helper' }),
  cores: scope.navigator.hardwareConcurrency,
});

scope.addEventListener('message', (event: MessageEvent<ComputeRequest>) => {
  void handle(event.data);
});
