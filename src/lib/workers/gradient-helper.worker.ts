/// <reference lib="webworker" />
/**
 * A gradient helper: computes shards of the compute worker's training steps on another core
 * (data-parallel training, `predictor/parallel.ts`). The compute worker starts it with
 * `new Worker(new URL('./gradient-helper.worker.ts', import.meta.url), { type: 'module' })`;
 * messages are in `gradient-messages.ts`, the behaviour in `gradient-helper-handler.ts`.
 */
import { chooseBackend } from '../compute/backend';
import { WASM_PATHS } from '../compute/wasm-paths';
import { createGradientHelperHandler } from './gradient-helper-handler';
import type { GradientRequest, GradientResponse } from './gradient-messages';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const handle = createGradientHelperHandler({
  post: (message: GradientResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer),
  useBackend: async (name) => {
    const report = await chooseBackend({ override: name, wasmPaths: WASM_PATHS });
    if (report.name !== name) throw new Error(`the helper could not initialise ${name} (got ${report.name})`);
  },
});

// Requests are handled one after another, in order: each waits for the one before.
let queue = Promise.resolve();
scope.addEventListener('message', (event: MessageEvent<GradientRequest>) => {
  queue = queue.then(() => handle(event.data));
});
