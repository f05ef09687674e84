/**
 * The "Measure this device" view's state: measures cells through the profiler (profile-link.svelte.ts),
 * stores every finished cell in IndexedDB per device profile and chains a calibration's two
 * passes. What it stores and derives is profile-data.svelte.ts, the calibrated predictor
 * profile-calibration.svelte.ts; the pure parts live in `latency/` (profile-analysis.ts,
 * calibration-report.ts).
 */
import { openMeasurementStore, type MeasurementStore, type NewMeasurement, type RunRecord } from '../db/measurements';
import type { MeasurementBackend, MeasurementEnvironment } from '../latency/environment';
import { MIN_CELLS_FOR_ANCHORS, withAnchors } from '../latency/level-correction';
import { estimateMs, heldOutCells, randomCells } from '../latency/profile-analysis';
import type { DisturbanceReport, ProfilePhase } from '../latency/profiler-types';
import type { ReferenceSet } from '../latency/reference-set';
import { codeToOps } from '../spaces/nb201';
import { DEFAULT_PROFILE_SETTINGS, type ProfileCell, type ProfilerRequest, type ProfilerResponse, type ProfileSettings } from '../workers/profiler-messages';
import { handlerPort } from '../workers/rpc';
import type { CalibratedState } from './calibrated.svelte';
import type { ProfileSource } from './profile-data.svelte';
import { ProfilerLink, type ProfilerClient, type ProfilerLinkDeps, type VisibilitySource } from './profile-link.svelte';

export { IMPORT_MAX_BYTES, type ProfileSource } from './profile-data.svelte';
export type { ProfilerPort, Thread, VisibilitySource } from './profile-link.svelte';
// What the Profile view's components compute from the state's values themselves (cheap, pure).
export { driftSummary, medianRatios, type SortKey } from '../latency/profile-analysis';
export type { CalibrationPoint } from '../latency/calibration-report';

/** A run record as stored after a profiler run: the summary plus what the samples showed of the machine (null or absent in older records). */
export type RunWithDisturbance = RunRecord & { disturbance?: DisturbanceReport | null };
/** What a "Measure" press times; 'calibrate' = reference set + held-out cells, then the held-out cells again. */
export type CellSet = 'reference' | 'random' | 'calibrate';

export interface ProfileDeps extends ProfilerLinkDeps {
  /** This browser's user agent (default `navigator.userAgent`): which stored runs are this browser's. */
  userAgent?: string;
}

export interface RunProgress {
  requestId: number;
  set: CellSet;
  backends: MeasurementBackend[];
  cells: number;
  /** A calibration is two requests: pass 1 (reference + held-out cells), pass 2 (the held-out cells again). */
  pass: number;
  passes: number;
  backendIndex: number;
  backend: MeasurementBackend | null;
  phase: ProfilePhase | 'starting';
  done: number;
  total: number;
  etaMs: number | null;
  current: string;
  paused: boolean;
  cancelling: boolean;
}

interface BackendRun {
  runId: string;
  profileId: string;
  startedAt: number;
  measured: number;
}

export class ProfileState extends ProfilerLink {
  randomCount = $state(20);
  /** Random connected cells outside the reference set that "Calibrate this device" measures (twice) to validate on. */
  heldOutCount = $state(20);
  seed = $state(1);
  settings = $state<ProfileSettings>({ ...DEFAULT_PROFILE_SETTINGS });
  run = $state<RunProgress | null>(null);
  /** Summaries of the runs of the last request (leak check, drift). */
  lastRuns = $state.raw<RunRecord[]>([]);
  /** What the samples showed of the machine in each of the last runs (by run id): slow phases, re-measured cells and why; null in older records. */
  disturbances = $state.raw<Record<string, Omit<DisturbanceReport, 'timeline'> | null>>({});

  readonly #userAgent: string | undefined;
  /** Cells of the pass still to come in a calibration (its held-out cells), null otherwise. */
  #nextPass: number[] | null = null;
  #backendRuns = new Map<MeasurementBackend, BackendRun>();
  /** Environment of each backend of the running request (from `backend-started`). */
  #environments = new Map<MeasurementBackend, MeasurementEnvironment>();
  #writes: Promise<void> = Promise.resolve();

  constructor(source: ProfileSource, deps: ProfileDeps) {
    super(source, deps);
    this.#userAgent = deps.userAgent;
  }

  readonly running = $derived(this.run !== null);

  /** Cells a "Measure" press will time, and how long it should take (from this browser's earlier runs where there are some). */
  plan(set: CellSet): { cells: number; ms: number; fromHistory: boolean } {
    const reference = this.referenceSet;
    const referenceCells = reference && typeof reference === 'object' ? reference.cells.length : 0;
    // A calibration times the held-out cells twice (the second pass measures repeatability); a run
    // of enough cells also times the level anchors it lacks (the reference set has them all).
    const anchors = (n: number) => (n >= MIN_CELLS_FOR_ANCHORS ? this.anchors.length : 0);
    const cells =
      set === 'reference' ? referenceCells : set === 'calibrate' ? referenceCells + this.heldOutCount + this.heldOutCount + anchors(this.heldOutCount) : this.randomCount + anchors(this.randomCount);
    const userAgent = this.#userAgent ?? globalThis.navigator?.userAgent ?? '';
    const mine = new Set(this.profiles.filter((p) => p.environment.userAgent === userAgent).map((p) => p.id));
    return {
      cells,
      ...estimateMs(
        cells,
        this.selected,
        this.runs.filter((r) => mine.has(r.profileId)),
      ),
    };
  }

  /** Opens the store, lists what is stored, starts the profiler and detects the backends. */
  async start(): Promise<void> {
    await this.openStore();
    await this.detect();
  }

  /** Resolves once every result received so far is stored. */
  settled(): Promise<void> {
    return this.#writes;
  }

  /**
   * Measures the reference set, `randomCount` random connected cells drawn with `seed`, or (for
   * 'calibrate') the reference set plus `heldOutCount` held-out cells drawn with `seed`, followed
   * by a second pass over the held-out cells.
   */
  async measure(set: CellSet): Promise<void> {
    if (this.running) return;
    this.error = null;
    const nb201 = this.nb201;
    const reference = this.referenceSet;
    if (!nb201 || !reference || typeof reference === 'string') {
      this.error = typeof reference === 'string' ? reference : 'The NAS-Bench-201 tables are not loaded yet';
      return;
    }
    if (this.selected.length === 0) {
      this.error = 'Choose at least one backend';
      return;
    }
    const referenceIndices = reference.cells.map((c) => c.index);
    let indices: number[];
    let heldOut: number[] | null = null;
    try {
      if (set === 'reference') indices = referenceIndices;
      else if (set === 'random') indices = randomCells(this.seed, this.randomCount, nb201.connectedIndices);
      else {
        heldOut = heldOutCells(this.seed, this.heldOutCount, nb201.connectedIndices, referenceIndices);
        indices = [...referenceIndices, ...heldOut];
      }
    } catch (error) {
      this.error = (error as Error).message;
      return;
    }
    this.lastRuns = [];
    this.disturbances = {};
    await this.#request(set, indices, [...this.selected], { pass: 1, passes: heldOut ? 2 : 1 }, heldOut);
  }

  /**
   * Sends one profile request; `next` is the cells of the pass to run after it, if it ends normally.
   * A run of enough cells also times the level anchors (level-correction.ts).
   */
  async #request(set: CellSet, requested: number[], backends: MeasurementBackend[], passes: { pass: number; passes: number }, next: number[] | null): Promise<void> {
    const indices = withAnchors(requested, this.anchors);
    const nb201 = this.nb201!;
    const reference = this.referenceSet as ReferenceSet;
    const cellOf = (index: number): ProfileCell => ({ index, ops: codeToOps(nb201.opsCode[index]) });
    const drift = reference.cells[reference.cells.length >> 1];
    const requestId = this.nextRequestId();
    this.#backendRuns.clear();
    this.#environments.clear();
    this.#nextPass = next;
    this.run = {
      requestId,
      set,
      backends,
      cells: indices.length,
      ...passes,
      backendIndex: 0,
      backend: null,
      phase: 'starting',
      done: 0,
      total: indices.length * this.settings.minSamples,
      etaMs: null,
      current: '',
      paused: false,
      cancelling: false,
    };
    let client: ProfilerClient;
    try {
      client = await this.clientFor(this.thread);
    } catch (error) {
      this.run = null;
      this.#nextPass = null;
      this.error = `The profiler could not start: ${(error as Error).message}`;
      return;
    }
    // Events and the final answer go to #receive; a failure (error answer, crash) arrives there as an 'error'.
    const request = { type: 'profile', requestId, backends, cells: indices.map(cellOf), referenceCell: cellOf(drift.index), settings: { ...this.settings }, hidden: this.hidden } as const;
    void client.request(request, { onEvent: (event) => this.#receive(event) }).then(
      (answer) => this.#receive(answer),
      (error: Error) => this.#receive({ type: 'error', requestId, message: error.message }),
    );
  }

  pause(): void {
    if (this.run && !this.run.paused) this.post({ type: 'pause', requestId: this.run.requestId });
  }

  resume(): void {
    if (this.run?.paused) this.post({ type: 'resume', requestId: this.run.requestId });
  }

  cancel(): void {
    if (!this.run) return;
    this.run = { ...this.run, cancelling: true };
    this.post({ type: 'cancel', requestId: this.run.requestId });
  }

  /** The answers of the running profile request (its failure, crash included, as an 'error'). */
  #receive(message: ProfilerResponse): void {
    const run = this.run;
    if (!run || message.type === 'detected' || message.requestId !== run.requestId) return;
    switch (message.type) {
      case 'backend-started':
        this.#backendRuns.set(message.backend, { runId: this.newId(), profileId: message.profile.id, startedAt: this.now(), measured: 0 });
        this.run = { ...run, backendIndex: message.backendIndex, backend: message.backend, phase: 'prepare', done: 0 };
        this.#environments.set(message.backend, message.environment);
        // Show the default backend's results (the usual baseline), else the first backend's.
        if (message.backend === this.defaultBackend || (message.backendIndex === 0 && !run.backends.includes(this.defaultBackend!))) {
          this.activeProfileId = message.profile.id;
        }
        return;
      case 'progress':
        this.run = { ...run, phase: message.progress.phase, done: message.progress.done, total: message.progress.total, etaMs: message.etaMs, current: message.progress.current };
        return;
      case 'result': {
        const meta = this.#backendRuns.get(message.backend)!;
        const r = message.result;
        // A revised result (re-measured after a slow phase) supersedes the stored one: the latest per cell counts.
        if (!r.revised) meta.measured++;
        const environment = this.#environments.get(message.backend);
        if (!environment) return;
        const entry: NewMeasurement = {
          archIndex: message.index,
          runId: meta.runId,
          source: 'measured',
          archStr: r.archStr,
          ops: r.ops,
          backend: message.backend,
          medianMs: r.medianMs,
          iqrMs: r.iqrMs,
          samples: r.samples,
          k: r.k,
          coldMs: r.coldMs,
          warmupRuns: r.warmupRuns,
          warmupStable: r.warmupStable,
          discardedHidden: r.discardedHidden,
          environment,
        };
        this.#enqueue(() => this.storeMeasurement(entry, meta.profileId));
        return;
      }
      case 'backend-finished': {
        const s = message.summary;
        const meta = this.#backendRuns.get(s.backend)!;
        const record = this.#runRecord(s.backend, meta, {
          measured: s.measured,
          elapsedMs: s.elapsedMs,
          leakedTensors: s.leakedTensors,
          cancelled: s.cancelled,
          error: null,
          wasmThreads: s.wasmThreads,
          reference: s.reference && { archStr: s.reference.archStr, driftMs: s.reference.drift.map((d) => d.ms) },
        });
        const d = s.disturbance ?? null;
        // The stored run keeps the whole disturbance report, per-sample stamps included (bench:latency reads it).
        const stored: RunWithDisturbance = d ? { ...record, disturbance: d } : record;
        this.lastRuns = [...this.lastRuns, stored];
        this.disturbances = {
          ...this.disturbances,
          // Without the per-sample timeline: the view shows the report, the stored run keeps it all.
          [meta.runId]: d && withoutTimeline(d),
        };
        this.#enqueue(() => this.store!.saveRun(stored));
        return;
      }
      case 'paused':
      case 'resumed':
        this.run = { ...run, paused: message.type === 'paused' };
        return;
      case 'profiled':
        // The run ends for the page once everything it produced is stored (or the next pass starts).
        this.#enqueue(() => this.#finish(true));
        return;
      case 'error': {
        this.error = message.message;
        const meta = run.backend ? this.#backendRuns.get(run.backend) : undefined;
        if (run.backend && meta && !this.lastRuns.some((r) => r.runId === meta.runId)) {
          const record = this.#runRecord(run.backend, meta, {
            measured: meta.measured,
            elapsedMs: this.now() - meta.startedAt,
            leakedTensors: null,
            cancelled: false,
            error: message.message,
            reference: null,
            wasmThreads: null,
          });
          this.lastRuns = [...this.lastRuns, record];
          this.#enqueue(() => this.store!.saveRun(record));
        }
        this.#enqueue(() => this.#finish(false));
        return;
      }
    }
  }

  #runRecord(backend: MeasurementBackend, meta: BackendRun, outcome: Pick<RunRecord, 'measured' | 'elapsedMs' | 'leakedTensors' | 'cancelled' | 'error' | 'reference' | 'wasmThreads'>): RunRecord {
    const run = this.run!;
    return {
      runId: meta.runId,
      profileId: meta.profileId,
      backend,
      thread: this.portThread ?? this.thread,
      set: run.set,
      startedAt: meta.startedAt,
      requested: run.cells,
      ...outcome,
      settings: { minSamples: this.settings.minSamples, warmupMinRuns: this.settings.warmupMinRuns, warmupMaxMs: this.settings.warmupMaxMs },
    };
  }

  /**
   * Ends a request; a calibration's first pass goes on to its second unless it was cancelled or
   * failed (`completed` false, or a backend stopped early). The run stays set in between, so the
   * chain reads as one run.
   */
  async #finish(completed: boolean): Promise<void> {
    const run = this.run;
    const next = this.#nextPass;
    this.#nextPass = null;
    let chained = false;
    try {
      await this.refresh();
      const thisRequest = new Set([...this.#backendRuns.values()].map((meta) => meta.runId));
      const clean = completed && !this.run?.cancelling && this.lastRuns.filter((r) => thisRequest.has(r.runId)).every((r) => !r.cancelled && !r.error);
      if (run && next && clean && this.run === run) {
        chained = true;
        // A plain copy: `run` is reactive state, which a worker message cannot carry.
        await this.#request(run.set, next, [...run.backends], { pass: run.pass + 1, passes: run.passes }, null);
      }
    } finally {
      if (!chained) this.run = null;
    }
  }

  #enqueue(write: () => Promise<void>): void {
    this.#writes = this.#writes.then(write).catch((error: unknown) => {
      this.error = (error as Error).message;
    });
  }
}

/** The real dependencies: IndexedDB, the app's one list of calibrated predictors, and the profiler in a module worker or on this thread. */
export function browserProfileDeps(openStore: () => Promise<{ store: MeasurementStore; notice?: string }>, calibrated: CalibratedState): ProfileDeps {
  return {
    openStore,
    calibrated,
    async createPort(thread) {
      if (thread === 'worker') return new Worker(new URL('../workers/profiler.worker.ts', import.meta.url), { type: 'module' });
      // The same handler on the page's main thread (loads tfjs into the page): for comparison only.
      const { browserProfilerDeps, createProfilerHandler } = await import('../workers/profiler-handler');
      return handlerPort<ProfilerRequest, ProfilerResponse>(async (post) => createProfilerHandler(await browserProfilerDeps(post)));
    },
  };
}

/**
 * The app's profile state, started: measurements in IndexedDB, the app's calibrated predictors
 * (`data.calibrated`, which the Explorer plots) and the document's visibility passed on to the
 * profiler until `dispose()`.
 */
export function startBrowserProfile(data: ProfileSource & { readonly calibrated: CalibratedState }, visibility: VisibilitySource = document): ProfileState {
  const state = new ProfileState(
    data,
    browserProfileDeps(() => openMeasurementStore(), data.calibrated),
  );
  state.watchVisibility(visibility);
  void state.start();
  return state;
}

function withoutTimeline({ timeline: _timeline, ...report }: DisturbanceReport): Omit<DisturbanceReport, 'timeline'> {
  return report;
}
