/**
 * Messages between the page and the profiler (`profiler.worker.ts`, behaviour in
 * `profiler-handler.ts`). The same handler can also run on the page's main thread, for the
 * worker-vs-main-thread comparison; the messages are the same.
 *
 * Every request but `visibility` carries a `requestId` chosen by the page; every answer to it
 * echoes that id. `pause`, `resume` and `cancel` name the `requestId` of the `profile` request
 * they act on and are ignored when it is no longer running. `visibility` passes the page's
 * `document.visibilityState` on: only the page can see it, and samples taken while the tab is
 * hidden (throttled) are thrown away.
 *
 * A `profile` request times its cells on each backend in turn (one tfjs backend is active at a
 * time), announcing each with `backend-started` (environment fingerprint and device profile),
 * streaming `result`s as cells finish (so a cancelled run keeps them), closing each with
 * `backend-finished`, and ending with `profiled`, `error` or, after a cancel, `profiled` with
 * `cancelled: true`.
 */
import type { DeviceProfile, MeasurementBackend, MeasurementEnvironment } from '../latency/environment';
import type { CellMeasurement, DisturbanceReport, ProfileProgress, ReferenceSeries } from '../latency/profiler-types';
import type { OpCode } from '../spaces/nb201';

/** A cell to time: its NB201 index (carried through to the results) and its ops. */
export interface ProfileCell {
  index: number;
  ops: OpCode[];
}

/** What the user can tune; the rest of the protocol uses the profiler's defaults. */
export interface ProfileSettings {
  /** Valid samples per cell (the app's default is 15). */
  minSamples: number;
  /** Warm-up samples at least (default 5). */
  warmupMinRuns: number;
  /** Warm-up cap per cell, ms (default 2000). */
  warmupMaxMs: number;
  /** Shortest sample, ms: K back-to-back inferences are timed until one sample lasts this long (default 25). */
  minSampleMs: number;
}

export const DEFAULT_PROFILE_SETTINGS: ProfileSettings = { minSamples: 15, warmupMinRuns: 5, warmupMaxMs: 2000, minSampleMs: 25 };

/** Whether a backend can be measured here, and what it is. */
export interface BackendAvailability {
  name: MeasurementBackend;
  available: boolean;
  /** Short description for the checkbox: adapter, "software (slow)", thread count, …; or why it is unavailable. */
  detail: string;
  /** WebGPU, WebGL: the adapter or renderer is a software fallback (CPU emulation, far slower than WASM). */
  software?: boolean;
  /** WASM only: threads tfjs will use. */
  threads?: number;
}

/** One backend's run, as `backend-finished` reports it. */
export interface BackendRunSummary {
  backend: MeasurementBackend;
  profile: DeviceProfile;
  requested: number;
  measured: number;
  elapsedMs: number;
  /** Tensors alive after the run minus before it (0 = nothing leaked). */
  leakedTensors: number | null;
  cancelled: boolean;
  reference: ReferenceSeries | null;
  /** Threads the WASM backend ran with; null on other backends. */
  wasmThreads: number | null;
  /** The machine's slow phases the samples showed, the cells re-measured and why; null in runs stored before every run had one. */
  disturbance: DisturbanceReport | null;
}

/** Page → profiler. */
export type ProfilerRequest =
  /** Which backends this browser offers, and the default choice; answered by `detected`. */
  | { type: 'detect'; requestId: number }
  /** Time `cells` on each of `backends` in turn; see the file comment for the answers. One run at a time. */
  | {
      type: 'profile';
      requestId: number;
      backends: MeasurementBackend[];
      cells: ProfileCell[];
      /** Re-timed every few samples; its drift over the run shows thermal or clock changes. Null: none. */
      referenceCell: ProfileCell | null;
      settings: ProfileSettings;
      /** Page visibility when the request was sent. */
      hidden: boolean;
    }
  | { type: 'pause'; requestId: number }
  | { type: 'resume'; requestId: number }
  | { type: 'cancel'; requestId: number }
  | { type: 'visibility'; hidden: boolean };

/** Profiler → page. */
export type ProfilerResponse =
  | {
      type: 'detected';
      requestId: number;
      backends: BackendAvailability[];
      /** What `chooseBackend` picks unasked (never a software WebGPU adapter). */
      defaultBackend: MeasurementBackend;
      /** One sentence: why that default. */
      reason: string;
      crossOriginIsolated: boolean;
      /** Resolution of `performance.now()` where the timing runs, ms. */
      timerResolutionMs: number;
    }
  | { type: 'backend-started'; requestId: number; backend: MeasurementBackend; backendIndex: number; environment: MeasurementEnvironment; profile: DeviceProfile }
  | {
      type: 'progress';
      requestId: number;
      backend: MeasurementBackend;
      backendIndex: number;
      backends: number;
      progress: ProfileProgress;
      /** Whole request (every backend), ms; null until the pace is known. */
      etaMs: number | null;
    }
  /** A cell's measurement; sent again with `result.revised` when a re-measurement (or phases found later) changed it. */
  | { type: 'result'; requestId: number; backend: MeasurementBackend; profileId: string; index: number; result: CellMeasurement }
  | { type: 'backend-finished'; requestId: number; summary: BackendRunSummary }
  | { type: 'paused'; requestId: number }
  | { type: 'resumed'; requestId: number }
  | { type: 'profiled'; requestId: number; cancelled: boolean; runs: BackendRunSummary[] }
  /** A request failed (cells finished before the failure were already sent as `result`s). */
  | { type: 'error'; requestId?: number; message: string };

/**
 * The network every cell is timed in: CIFAR-10's (32×32 input, 10 classes), with dead branches
 * pruned as eagle timed LatBench (latency/cell-plan.ts). FLOPs shown next to the latencies use
 * the same options.
 */
export const PROFILE_NETWORK = { classes: 10, inputSize: 32, prune: true } as const;

/** The answers that are events of a request (it goes on); `detected`, `profiled` and `error` end it (rpc.ts). */
export const PROFILER_EVENTS = new Set(['backend-started', 'progress', 'result', 'backend-finished', 'paused', 'resumed'] as const satisfies readonly ProfilerResponse['type'][]);
export type ProfilerEventType = typeof PROFILER_EVENTS extends Set<infer T> ? T : never;
