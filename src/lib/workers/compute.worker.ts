/// <reference lib="webworker" />
// All tfjs work runs here so the page never freezes; this entry point only adapts messages.
import { chooseBackend } from '../compute/backend';
import { WASM_PATHS } from '../compute/wasm-paths';
import type { ComputeRequest, ComputeResponse } from './compute-messages';

const post = (message: ComputeResponse) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(message);

self.onmessage = async (event: MessageEvent<ComputeRequest>) => {
  const request = event.data;
  if (request.type === 'init') {
    try {
      post({ type: 'backend', report: await chooseBackend({ override: request.override, wasmPaths: WASM_PATHS }) });
    } catch (err) {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  }
};
