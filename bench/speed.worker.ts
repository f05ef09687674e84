/// <reference lib="webworker" />
/**
 * The bench page's speed worker (speed.ts): chooses the tfjs backend as the compute worker does
 * and answers each `measure-speed` request in turn, with gradient helpers of its own.
 */
import { chooseBackend, type BackendReport } from '../src/lib/compute/backend';
import { WASM_PATHS } from '../src/lib/compute/wasm-paths';
import { createSpeedMeter, type SpeedRequest, type SpeedResponse } from './speed';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: SpeedResponse) => scope.postMessage(message);

const measure = createSpeedMeter({
  spawnGradientHelper: () => new Worker(new URL('../src/lib/workers/gradient-helper.worker.ts', import.meta.url), { type: 'module', name: 'gradient-helper' }),
  cores: scope.navigator.hardwareConcurrency,
});
let backend: Promise<BackendReport> | undefined;
// One measurement at a time: two at once would time each other.
let queue = Promise.resolve();

scope.addEventListener('message', (event: MessageEvent<SpeedRequest>) => {
  const request = event.data;
  queue = queue.then(async () => {
    try {
      // A failed choice is not kept: the next request tries again.
      backend ??= chooseBackend({ override: request.backend, wasmPaths: WASM_PATHS }).catch((error: unknown) => {
        backend = undefined;
        throw error;
      });
      post({ type: 'speed', requestId: request.requestId, result: await measure(await backend, request.config, request.steps, request.workers) });
    } catch (error) {
      post({ type: 'error', requestId: request.requestId, message: error instanceof Error ? error.message : String(error) });
    }
  });
});
