/**
 * What the profiler does with each request (messages: `profiler-messages.ts`), kept apart from
 * the worker global so it can be tested in Node: `profiler.worker.ts` only wires `self` to this,
 * and the page can run the very same handler on its main thread for comparison.
 *
 * Where the timing loop runs. A dedicated worker is the default: the page's own work (Svelte
 * updates, d3 drawing, input) cannot land inside a timed sample, and tfjs's WASM, WebGL (on an
 * OffscreenCanvas) and WebGPU backends all run there. `npm run bench:latency` also times the same
 * 5 cells on WASM once in the worker and once on the main thread of an idle page: four short runs
 * on a shared 2-core machine gave main/worker median ratios of 1.17, 0.88, 0.98 and 0.98, i.e. no
 * systematic difference beyond run-to-run noise. That is expected (the same kernels on the same cores, and an
 * idle page gives the main thread nothing to interleave), so neither is "truer" on an idle page;
 * on a page in use only the worker stays undisturbed, hence the default.
 */
import { JobControl, yieldToEvents } from './job-control';
import { deviceProfile, isMeasurementBackend, type MeasurementBackend, type MeasurementEnvironment } from '../latency/environment';
import { profileCells } from '../latency/profiler';
import { MIN_FAST_STATE_POINTS } from '../latency/reference-speed';
import type { ModelRunner, ProfilerClock, ProfileProgress } from '../latency/profiler-types';
import { NB201_NUM_CELLS, opsToArchStr } from '../spaces/nb201';
import type { BackendAvailability, BackendRunSummary, ProfileCell, ProfilerRequest, ProfilerResponse, ProfileSettings } from './profiler-messages';

export interface ProfilerHandlerDeps<M> {
  post(message: ProfilerResponse): void;
  /** Which backends can be measured here (initialises none of them). */
  detectBackends(): Promise<BackendAvailability[]>;
  /** Threads the active WASM backend really runs (null on other backends). */
  wasmThreads?(): number | null;
  /** tfjs's unasked choice (`chooseBackend()`), which it also activates. */
  chooseDefault(): Promise<{ name: MeasurementBackend; reason: string }>;
  /** Activates `name`, the user's explicit choice; throws a sentence when it cannot start. */
  useBackend(name: MeasurementBackend): Promise<void>;
  /** Builds and times models on whichever backend is active. */
  runner: ModelRunner<M> & { numTensors?(): number };
  /** The fingerprint stored with each measurement on `backend`. */
  environment(input: { backend: MeasurementBackend; hidden: boolean; timerResolutionMs: number }): Promise<MeasurementEnvironment>;
  /** Monotonic ms (`performance.now`). */
  now(): number;
  /** Waits `ms`; 0 must still yield to the event loop, so pause, cancel and visibility messages get in. */
  sleep(ms: number): Promise<void>;
  /** Resolution of `now`, ms (`detectTimerResolution`). Called once. */
  timerResolutionMs(): number;
  crossOriginIsolated: boolean;
  /** Minimum time between two `progress` messages, ms. Default 100. */
  progressEveryMs?: number;
}

export const PROFILE_ALREADY_RUNNING = 'A measurement is already running; wait for it, or cancel it first';

/**
 * Time left for the whole request: this backend's ETA plus, for each backend still to come, the
 * mean time the finished ones took (or, before any finished, this one's projected total).
 */
export function overallEtaMs(currentEtaMs: number | null, currentElapsedMs: number, finishedMs: readonly number[], remainingBackends: number): number | null {
  if (currentEtaMs === null) return null;
  const perBackend = finishedMs.length > 0 ? finishedMs.reduce((a, b) => a + b, 0) / finishedMs.length : currentElapsedMs + currentEtaMs;
  return currentEtaMs + remainingBackends * perBackend;
}

/** Checks a profile request from the page; one sentence naming the first problem. */
export function checkProfileRequest(request: Extract<ProfilerRequest, { type: 'profile' }>): void {
  const { backends, cells, referenceCell, settings } = request;
  if (!Array.isArray(backends) || backends.length === 0) throw new Error('profile: choose at least one backend');
  backends.forEach((name, i) => {
    if (!isMeasurementBackend(String(name))) throw new Error(`profile: backends[${i}] '${String(name).slice(0, 20)}' is not webgpu, webgl, wasm or cpu`);
    if (backends.indexOf(name) !== i) throw new Error(`profile: backend ${name} is listed twice`);
  });
  if (!Array.isArray(cells) || cells.length === 0) throw new Error('profile: no cells to measure');
  const seen = new Map<string, number>();
  const checkCell = (cell: ProfileCell, where: string) => {
    if (!Number.isInteger(cell?.index) || cell.index < 0 || cell.index >= NB201_NUM_CELLS) throw new Error(`profile: ${where} index ${String(cell?.index)} is not an NB201 index`);
    try {
      return opsToArchStr(cell.ops);
    } catch (error) {
      throw new Error(`profile: ${where} (NB201 index ${cell.index}): ${(error as Error).message}`, { cause: error });
    }
  };
  cells.forEach((cell, i) => {
    const archStr = checkCell(cell, `cells[${i}]`);
    if (seen.has(archStr)) throw new Error(`profile: cells[${i}] repeats cells[${seen.get(archStr)}] (${archStr})`);
    seen.set(archStr, i);
  });
  if (referenceCell !== null) checkCell(referenceCell, 'referenceCell');
  const positive: [keyof ProfileSettings, number][] = [
    ['minSamples', 1000],
    ['warmupMinRuns', 50],
  ];
  for (const [name, max] of positive) {
    const value = settings?.[name];
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`profile: settings.${name} must be a whole number 1..${max}, got ${String(value)}`);
  }
  if (!(settings.warmupMaxMs >= 0) || settings.warmupMaxMs > 60_000) throw new Error(`profile: settings.warmupMaxMs must be 0..60000 ms, got ${settings.warmupMaxMs}`);
  if (!(settings.minSampleMs >= 0) || settings.minSampleMs > 1000) throw new Error(`profile: settings.minSampleMs must be 0..1000 ms, got ${settings.minSampleMs}`);
}

/** Returns the request handler. */
export function createProfilerHandler<M>(deps: ProfilerHandlerDeps<M>): (request: ProfilerRequest) => Promise<void> {
  const progressEveryMs = deps.progressEveryMs ?? 100;
  let hidden = false;
  let visibilityChanges = 0;
  let resolution: number | undefined;
  const jobs = new JobControl({ post: deps.post, busy: PROFILE_ALREADY_RUNNING });
  const timerResolution = () => (resolution ??= deps.timerResolutionMs());
  const clock: ProfilerClock = { now: deps.now, isHidden: () => hidden, visibilityChanges: () => visibilityChanges, sleep: deps.sleep };
  /** The reference cell's fast-state time per backend and reference cell, the lowest of earlier runs': a run that starts in a slow phase still knows the fast state. */
  const referenceFast = new Map<string, number>();

  async function profile(request: Extract<ProfilerRequest, { type: 'profile' }>): Promise<void> {
    if (jobs.running) throw new Error(PROFILE_ALREADY_RUNNING);
    checkProfileRequest(request);
    const { requestId, backends, cells, referenceCell, settings } = request;
    // The latest progress held back by the throttle: sent before "paused", so the page shows every
    // step that was timed before the pause took hold.
    let heldBack: Extract<ProfilerResponse, { type: 'progress' }> | null = null;
    const job = jobs.begin(requestId, {
      beforeHold: () => {
        if (heldBack) deps.post(heldBack);
        heldBack = null;
      },
    });
    const { signal, gate } = job;
    hidden = request.hidden;
    const indexOf = new Map(cells.map((cell) => [opsToArchStr(cell.ops), cell.index]));
    const runs: BackendRunSummary[] = [];
    try {
      for (const [backendIndex, backend] of backends.entries()) {
        await deps.useBackend(backend);
        if (deps.runner.backend !== backend) throw new Error(`tfjs runs on ${deps.runner.backend}, not on ${backend} as asked`);
        if (signal.aborted) break;
        const environment = await deps.environment({ backend, hidden, timerResolutionMs: timerResolution() });
        const profile = deviceProfile(environment);
        deps.post({ type: 'backend-started', requestId, backend, backendIndex, environment, profile });
        const startedAt = deps.now();
        let lastProgress = -Infinity;
        const onProgress = (progress: ProfileProgress) => {
          const now = deps.now();
          const etaMs = overallEtaMs(
            progress.etaMs,
            now - startedAt,
            runs.map((r) => r.elapsedMs),
            backends.length - backendIndex - 1,
          );
          const message = { type: 'progress', requestId, backend, backendIndex, backends: backends.length, progress, etaMs } as const;
          if (now - lastProgress < progressEveryMs && progress.done < progress.total && progress.phase !== 'hidden') {
            heldBack = message;
            return;
          }
          lastProgress = now;
          heldBack = null;
          deps.post(message);
        };
        const outcome = await profileCells({
          cells: cells.map((cell) => cell.ops),
          runner: deps.runner,
          clock,
          options: {
            timerResolutionMs: timerResolution(),
            minSamples: settings.minSamples,
            minSampleMs: settings.minSampleMs,
            warmup: { minRuns: settings.warmupMinRuns, maxMs: settings.warmupMaxMs },
            referenceCell: referenceCell?.ops ?? null,
            referenceFastMs: referenceCell ? (referenceFast.get(`${backend} ${opsToArchStr(referenceCell.ops)}`) ?? null) : null,
          },
          onProgress,
          onResult: (result) => deps.post({ type: 'result', requestId, backend, profileId: profile.id, index: indexOf.get(result.archStr)!, result }),
          signal,
          pauseGate: gate.wait,
          numTensors: deps.runner.numTensors,
        });
        const fastMs = outcome.disturbance.referenceFastMs;
        if (outcome.reference && fastMs > 0 && outcome.reference.drift.length >= MIN_FAST_STATE_POINTS) {
          referenceFast.set(`${backend} ${outcome.reference.archStr}`, fastMs);
        }
        const summary: BackendRunSummary = {
          backend,
          profile,
          requested: cells.length,
          measured: outcome.results.length,
          elapsedMs: outcome.elapsedMs,
          leakedTensors: outcome.leakedTensors,
          cancelled: outcome.cancelled,
          reference: outcome.reference,
          wasmThreads: deps.wasmThreads?.() ?? null,
          disturbance: outcome.disturbance,
        };
        runs.push(summary);
        deps.post({ type: 'backend-finished', requestId, summary });
        if (outcome.cancelled) break;
      }
      deps.post({ type: 'profiled', requestId, cancelled: signal.aborted, runs });
    } finally {
      job.end();
    }
  }

  return async (request) => {
    const requestId = 'requestId' in request ? request.requestId : undefined;
    try {
      switch (request.type) {
        case 'visibility':
          if (request.hidden !== hidden) {
            hidden = request.hidden;
            visibilityChanges++;
          }
          return;
        case 'detect': {
          // Detection activates tfjs's default backend: not while a run is timing another one.
          if (jobs.running) throw new Error(PROFILE_ALREADY_RUNNING);
          const timerResolutionMs = timerResolution();
          // Default first: once its backend runs, detection can report what it really got (WASM threads).
          const chosen = await deps.chooseDefault();
          const backends = await deps.detectBackends();
          deps.post({ type: 'detected', requestId: request.requestId, backends, defaultBackend: chosen.name, reason: chosen.reason, crossOriginIsolated: deps.crossOriginIsolated, timerResolutionMs });
          return;
        }
        case 'profile':
          await profile(request);
          return;
        case 'pause':
        case 'resume':
        case 'cancel':
          jobs.control(request); // ignored when that run finished meanwhile
          return;
        default:
          throw new Error(`Unknown request ${JSON.stringify((request as { type?: unknown }).type)}`);
      }
    } catch (error) {
      deps.post({ type: 'error', ...(requestId === undefined ? {} : { requestId }), message: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * The real dependencies, for a worker or the page's main thread: tfjs with the app's backend
 * choice (`chooseBackend`, WASM binaries from Vite), the NB201 network runner and
 * `performance.now`. Loaded on demand so that Node tests of the handler never load the browser
 * backends.
 */
export async function browserProfilerDeps(post: ProfilerHandlerDeps<unknown>['post']): Promise<ProfilerHandlerDeps<unknown>> {
  const [tf, wasm, backends, { WASM_PATHS }, { createTfjsRunner }, { readEnvironment }, { detectTimerResolution }, { PROFILE_NETWORK }] = await Promise.all([
    import('@tensorflow/tfjs-core'),
    import('@tensorflow/tfjs-backend-wasm'),
    import('../compute/backend'),
    import('../compute/wasm-paths'),
    import('../latency/tfjs-runner'),
    import('../latency/environment'),
    import('../latency/stats'),
    import('./profiler-messages'),
  ]);
  const isolated = Boolean(globalThis.crossOriginIsolated);
  const runner = createTfjsRunner(PROFILE_NETWORK);
  const gpu = (globalThis.navigator as { gpu?: Parameters<typeof backends.probeWebGpuAdapter>[0] }).gpu;
  return {
    post,
    crossOriginIsolated: isolated,
    runner,
    now: () => performance.now(),
    sleep: (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : yieldToEvents()),
    timerResolutionMs: () => detectTimerResolution(() => performance.now()),
    wasmThreads: () => (tf.getBackend() === 'wasm' ? wasm.getThreadsCount() : null),
    async detectBackends() {
      const adapter = await backends.probeWebGpuAdapter(gpu);
      const webgpu: BackendAvailability =
        typeof adapter === 'string'
          ? { name: 'webgpu', available: false, detail: adapter }
          : {
              name: 'webgpu',
              available: true,
              software: adapter.isFallbackAdapter,
              detail: adapter.isFallbackAdapter ? 'software (slow)' : [adapter.vendor, adapter.architecture || adapter.description].filter(Boolean).join(' ') || 'GPU adapter',
            };
      // Once WASM runs, the threads it really got; before, what chooseBackend asks for (every core, up to 8, when isolated).
      const planned = isolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1)) : 1;
      const threads = tf.getBackend() === 'wasm' ? wasm.getThreadsCount() : planned;
      return [
        webgpu,
        webglAvailability(),
        typeof WebAssembly === 'object'
          ? {
              name: 'wasm',
              available: true,
              threads,
              detail: `${tf.getBackend() === 'wasm' ? '' : 'up to '}${threads} thread${threads === 1 ? '' : 's'}${isolated ? '' : ' (page not cross-origin isolated)'}`,
            }
          : { name: 'wasm', available: false, detail: 'this browser has no WebAssembly' },
        { name: 'cpu', available: true, detail: 'plain JavaScript (slow)' },
      ];
    },
    async chooseDefault() {
      const report = await backends.chooseBackend({ wasmPaths: WASM_PATHS });
      return { name: report.name, reason: report.reason };
    },
    async useBackend(name) {
      if (tf.getBackend() === name) return;
      const report = await backends.chooseBackend({ override: name, wasmPaths: WASM_PATHS });
      if (report.name !== name) {
        const why = report.attempts.find((a) => a.name === name && !a.ok)?.note ?? 'it did not initialise';
        throw new Error(`${name} cannot run here: ${why}`);
      }
    },
    environment: ({ backend, hidden, timerResolutionMs }) =>
      readEnvironment({
        navigator: navigator as unknown as Parameters<typeof readEnvironment>[0]['navigator'],
        backend,
        tfjsVersion: tf.version_core,
        crossOriginIsolated: isolated,
        timerResolutionMs,
        visibility: hidden ? 'hidden' : 'visible',
        measuredAt: new Date(),
      }),
  };
}

/**
 * Whether tfjs's WebGL backend can start here: WebGL 2 on an OffscreenCanvas in a worker, a page
 * canvas on the main thread. The renderer name tells a software rasteriser (SwiftShader) apart.
 */
function webglAvailability(): BackendAvailability {
  try {
    const canvas = typeof document === 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? (typeof document === 'undefined' ? null : canvas.getContext('webgl'))) as WebGLRenderingContext | null;
    if (!gl) return { name: 'webgl', available: false, detail: typeof document === 'undefined' ? 'no WebGL 2 on an OffscreenCanvas in this worker' : 'no WebGL context' };
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    const software = /swiftshader|llvmpipe|software/i.test(renderer);
    return { name: 'webgl', available: true, software, detail: software ? 'software (slow)' : renderer.slice(0, 80) || 'WebGL' };
  } catch (error) {
    return { name: 'webgl', available: false, detail: `WebGL failed: ${(error as Error).message}` };
  }
}
