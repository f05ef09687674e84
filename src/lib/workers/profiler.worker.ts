/// <reference lib="webworker" />
/**
 * The profiler worker: times NB201 cells on the tfjs backends the page asks for, off the main
 * thread. Create it with `new Worker(new URL('./profiler.worker.ts', import.meta.url), { type: 'module' })`;
 * messages are in `profiler-messages.ts`, the behaviour in `profiler-handler.ts` (tested there).
 * It stores nothing: the page keeps the results (IndexedDB, `db/measurements.ts`).
 */
import { browserProfilerDeps, createProfilerHandler } from './profiler-handler';
import type { ProfilerRequest, ProfilerResponse } from './profiler-messages';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: ProfilerResponse) => scope.postMessage(message);

// Listen at once: messages sent while tfjs loads wait for the handler instead of being lost.
const handler = browserProfilerDeps(post).then((deps) => createProfilerHandler(deps));
scope.addEventListener('message', (event: MessageEvent<ProfilerRequest>) => {
  void handler.then(
    (handle) => handle(event.data),
    (error: unknown) => post({ type: 'error', message: `The profiler could not start: ${String(error)}` }),
  );
});
