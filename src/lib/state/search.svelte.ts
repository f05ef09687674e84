/**
 * Search view state: the settings (in the URL), the checks made before anything runs, the run in
 * the compute worker (play, pause, step, cancel, progress), its baselines, and the saved runs.
 * Every finished iteration is saved with its checkpoint, so a run interrupted by a reload, a
 * crashed tab or a crashed worker goes on from its last finished iteration.
 */
import { describeGpuFault, type GpuFaultKind } from '../compute/gpu-faults';
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import { openSearchRunStore, queriedOf, type SearchRun, type SearchRunStore } from '../db/search-runs';
import { measuredByIndex, type CalibratedPredictor } from '../latency/calibrated-predictor';
import { exportFiles, type ExportFile } from '../search/export';
import { bestSoFarCurve } from '../search/metrics';
import { checkLimit, withinLimit } from '../search/constraint';
import { checkSearchSettings, plannedIterations } from '../search/run-search';
import { needsDevice, propsOf, SEARCH_PROPS, settingsOf, type SearchProgress, type SearchProps } from '../search/search-url';
import { DATASET_COLUMNS, type LatencySource, type SearchOracle } from '../search/types';
import { codeToOps, NB201_NUM_CELLS, opsToArchStr } from '../spaces/nb201';
import type { ComputeRequest, ComputeResponse } from '../workers/compute-messages';
import type { SearchCheckpoint, SearchJob, SearchSettings } from '../workers/search-messages';
import { axisOptions } from './explorer.svelte';
import { formatHash, parseHash } from './url-hash';

/** What the Search view needs of the compute client (`DataState.compute`). */
export interface SearchCompute {
  request(message: Extract<ComputeRequest, { type: 'search' }>, options?: { onEvent?(event: ComputeResponse): void }): Promise<ComputeResponse>;
  post(message: { type: 'pause' | 'resume' | 'cancel' | 'step'; requestId: number }): void;
  newRequestId(): number;
  /** Why the worker stopped, when it crashed (the typed RPC client has it); null while it runs. */
  readonly crashed?: unknown;
  /** Starts a fresh worker after a crash. */
  restart?(): void;
  /** The backend the worker runs on, when known (a GPU fault is told from other errors by it). */
  readonly backend?: { name: string } | null;
  /** Switches the worker's backend (after a GPU fault: to WASM for the next run). */
  start?(override?: 'wasm'): void;
}

export interface SearchSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
  readonly calibrated: { readonly predictors: readonly CalibratedPredictor[]; refresh(): Promise<void> };
  readonly compute: SearchCompute;
}

/** A latency device a limit or Pareto mode can use. */
interface SearchDevice {
  /** `<dataset>:<column>` or `calibrated:<predictor id>`. */
  id: string;
  label: string;
  group: string;
  kind: 'table' | 'calibrated';
}

type SearchStatus = 'idle' | 'baselines' | 'running' | 'paused';

const CALIBRATED = 'calibrated:';
const BASELINES = ['random', 'evolution', 'local-search'] as const;
const FLOPS = { cifar100: 'c100_flops', cifar10: 'c10_flops', 'imagenet16-120': 'in16_flops' } as const;

export class SearchState {
  settings = $state<SearchProps>(parseHash('', SEARCH_PROPS));
  status = $state<SearchStatus>('idle');
  /** The one sentence of a refused setting or a failed run. */
  message = $state<string | null>(null);
  /** The GPU fault that stopped the last run (gpu-faults.ts), while the view offers WASM for the next one. */
  gpuFault = $state<GpuFaultKind | null>(null);
  progress = $state.raw<SearchProgress | null>(null);
  /** The run shown: the one running, or one picked from the saved runs. */
  run = $state.raw<SearchRun | null>(null);
  runs = $state.raw<SearchRun[]>([]);
  /** An interrupted run found on start-up, offered for resuming. */
  resumable = $state.raw<SearchRun | null>(null);
  /** Why runs are only kept in memory, or a record that could not be read. */
  storeNotice = $state<string | null>(null);

  readonly #source: SearchSource;
  readonly #openStore: () => Promise<{ store: SearchRunStore; notice?: string }>;
  #store: Promise<{ store: SearchRunStore; notice?: string }> | null = null;
  #saving: Promise<void> = Promise.resolve();
  #requestId = 0;
  #cancelled = false;
  #open = () => (this.#store ??= this.#openStore());

  constructor(source: SearchSource, hash = '', openStore = () => openSearchRunStore()) {
    this.#source = source;
    this.#openStore = openStore;
    this.settings = parseHash(hash, SEARCH_PROPS);
  }

  readonly hash = $derived(formatHash(this.settings, SEARCH_PROPS));
  readonly devices = $derived.by((): SearchDevice[] => [
    ...axisOptions(this.#source.datasets, new Set(['latency'])).map((o) => ({ id: o.id, label: o.label.replace(/ \(ms\)$/, ''), group: o.group, kind: 'table' as const })),
    ...this.#source.calibrated.predictors.map((p) => ({
      id: CALIBRATED + p.id,
      label: `${p.name} (calibrated on ${p.device.label})`,
      group: 'Your devices (calibrated)',
      kind: 'calibrated' as const,
    })),
  ]);
  readonly busy = $derived(this.status !== 'idle');
  readonly queried = $derived(queriedOf(this.run));
  /** The settings the view plots: the shown run's, else the form's. */
  readonly shown = $derived(
    this.run ? { settings: this.run.settings, deviceId: this.run.deviceId } : { settings: settingsOf(this.settings, ''), deviceId: needsDevice(this.settings) ? this.settings['s.device'] : null },
  );
  readonly oracle = $derived(this.#oracle(this.shown.settings));
  readonly latency = $derived(this.shown.deviceId ? this.#latencyOf(this.shown.deviceId) : null);
  /** FLOPs per cell on the shown dataset (MFLOPs). */
  readonly flops = $derived(this.#column('nb201', FLOPS[this.shown.settings.dataset]));
  /** Test % of the best-valid cell after each query (cells that truly meet the limit). */
  readonly curve = $derived(this.oracle ? Array.from(bestSoFarCurve(this.oracle, this.queried, withinLimit(this.shown.settings.constraint?.ms, this.latency))) : []);

  set = (patch: Partial<SearchProps>) => void (this.settings = { ...this.settings, ...patch });
  loadHash = (hash: string) => void (this.settings = parseHash(hash, SEARCH_PROPS));

  /** Opens the store, lists the saved runs and offers the newest interrupted one for resuming. */
  async init(): Promise<void> {
    const { notice } = await this.#open();
    if (notice) this.storeNotice = notice;
    await this.refreshRuns();
    if (this.status === 'idle') this.resumable = this.runs.find((r) => r.status === 'running' || r.status === 'paused') ?? null;
  }

  async refreshRuns(): Promise<void> {
    try {
      const { runs, problems } = await (await this.#open()).store.list();
      this.runs = runs;
      if (problems.length) this.storeNotice = problems.join(' ');
    } catch (error) {
      this.storeNotice = (error as Error).message;
    }
  }

  /** Play: checks the settings, then runs the baselines and the search; `step` stops after the first iteration. */
  async start(step = false): Promise<void> {
    if (this.busy) return;
    const prepared = await this.#prepare(this.settings);
    if (!prepared) return;
    const now = Date.now();
    const run: SearchRun = {
      id: `${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      createdAt: now,
      updatedAt: now,
      settings: prepared.job.settings,
      deviceId: prepared.deviceId,
      status: 'running',
      error: null,
      plannedIterations: plannedIterations(prepared.job.settings),
      iterations: [],
      baselines: {},
      result: null,
    };
    await this.#execute(run, prepared.job, step);
  }

  /** Goes on with a saved run from its last finished iteration (after a reload, a crash or a cancel). */
  async resumeRun(id: string): Promise<void> {
    if (this.busy) return;
    this.message = null;
    const { store } = await this.#open();
    const [run, checkpoint] = await Promise.all([store.load(id), store.checkpoint(id)]);
    if (!run) return void (this.message = 'That run is no longer saved.');
    this.settings = propsOf(run.settings, run.deviceId);
    const prepared = await this.#prepare(this.settings, run.settings.constraint?.device);
    if (!prepared) return;
    const job: SearchJob = checkpoint ? { ...prepared.job, resume: checkpoint } : prepared.job;
    const iterations = checkpoint ? run.iterations.filter((r) => r.iteration < checkpoint.iteration) : [];
    await this.#execute({ ...run, status: 'running', error: null, iterations, result: null }, job, false);
  }

  discardResumable = () => void (this.resumable = null);

  /** After a GPU fault: the compute worker switches to WASM for the next run (the saved checkpoints stay). */
  useWasm(): void {
    this.#source.compute.start?.('wasm');
    this.gpuFault = null;
  }
  pause = () => this.#control('pause');
  /** Play while paused. */
  resume = () => this.#control('resume');
  /** One iteration: from idle it starts a run that pauses after its first iteration. */
  step() {
    if (this.status === 'idle') void this.start(true);
    else this.#control('step');
  }
  cancel() {
    this.#cancelled = true;
    this.#control('cancel');
  }

  show(id: string) {
    if (!this.busy) this.run = this.runs.find((r) => r.id === id) ?? this.run;
  }

  async deleteRun(id: string): Promise<void> {
    if (this.busy && this.run?.id === id) return;
    await (await this.#open()).store.delete(id);
    if (this.run?.id === id) this.run = null;
    if (this.resumable?.id === id) this.resumable = null;
    await this.refreshRuns();
  }

  /** The trace as CSV and the result as JSON, named after the settings; null before the run finished. */
  exportFiles(run: SearchRun): { csv: ExportFile; json: ExportFile } | null {
    const oracle = this.#oracle(run.settings);
    if (!run.result || !oracle) return null;
    const opsCode = this.#column('nb201', 'ops_code');
    return exportFiles(run.result, run.iterations, oracle, opsCode ? (index) => opsToArchStr(codeToOps(opsCode[index])) : undefined);
  }

  #control(type: 'pause' | 'resume' | 'cancel' | 'step') {
    if (this.#requestId) this.#source.compute.post({ type, requestId: this.#requestId });
  }

  #column(datasetId: string, column: string): Float64Array | null {
    const table = this.#source.tables[datasetId];
    return table?.columns[column] ? columnByIndex(table, column, NB201_NUM_CELLS) : null;
  }

  #oracle(settings: SearchSettings): SearchOracle | null {
    const columns = DATASET_COLUMNS[settings.dataset];
    const valid = columns && this.#column('nb201', columns.valid);
    const test = columns && this.#column('nb201', columns.test);
    return valid && test ? { valid, test } : null;
  }

  #calibrated(id: string): CalibratedPredictor | undefined {
    return this.#source.calibrated.predictors.find((p) => CALIBRATED + p.id === id);
  }

  /** A device's latency per cell (truth for a table, prediction for a calibrated device); null when it does not exist. */
  #latencyOf(id: string): Float64Array | null {
    if (id.startsWith(CALIBRATED)) {
      const predictor = this.#calibrated(id);
      return predictor ? Float64Array.from(predictor.predictions) : null;
    }
    const [datasetId, column] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    return this.devices.some((d) => d.id === id) ? this.#column(datasetId, column) : null;
  }

  /** The job of these settings, or null with `message` set: every check before anything runs or is stored. */
  async #prepare(props: SearchProps, knownLabel?: string): Promise<{ job: SearchJob; deviceId: string | null } | null> {
    this.message = null;
    try {
      const nb201 = this.#source.tables.nb201;
      const oracle = this.#oracle(settingsOf(props, ''));
      if (!nb201 || !oracle) throw new Error('The NB201 table is not loaded yet; wait for it, then press play again.');
      let latency: LatencySource | null = null;
      let values: Float64Array | null = null;
      let label = '';
      const deviceId = needsDevice(props) ? props['s.device'] : null;
      if (deviceId !== null) {
        if (!deviceId) throw new Error('Latency: choose the device the limit or Pareto mode refers to.');
        if (deviceId.startsWith(CALIBRATED) && !this.#latencyOf(deviceId)) await this.#source.calibrated.refresh();
        const device = this.devices.find((d) => d.id === deviceId);
        values = this.#latencyOf(deviceId);
        if (!device || !values) {
          throw new Error(
            deviceId.startsWith(CALIBRATED)
              ? `The calibrated device ${knownLabel ? `“${knownLabel}” ` : ''}no longer exists (it was deleted); choose another device. Saved runs are kept.`
              : `Latency: the device ${deviceId.slice(0, 80)} has no latency source (no table has that column); choose another device.`,
          );
        }
        label = device.label;
        latency =
          device.kind === 'table'
            ? { predicted: null, truth: values, predictor: device.label }
            : { predicted: values, truth: null, measured: measuredByIndex(this.#calibrated(deviceId)!), predictor: `calibrated: ${device.label}` };
      }
      const settings = settingsOf(props, label);
      checkSearchSettings(settings, latency);
      if (settings.constraint && values) checkLimit(settings.constraint.ms, values, label);
      return { job: { settings, oracle, opsCode: this.#column('nb201', 'ops_code')!, latency }, deviceId };
    } catch (error) {
      this.message = (error as Error).message;
      return null;
    }
  }

  #save(run: SearchRun, checkpoint?: SearchCheckpoint | null): Promise<void> {
    this.#saving = this.#saving
      .then(async () => (await this.#open()).store.save(run, checkpoint))
      .catch((error) => void (this.storeNotice = `The run could not be saved: ${(error as Error).message}`));
    return this.#saving;
  }

  #update(patch: Partial<SearchRun>, checkpoint?: SearchCheckpoint | null): Promise<void> {
    const run = (this.run = { ...this.run!, ...patch, updatedAt: Date.now() });
    this.runs = this.runs.map((r) => (r.id === run.id ? run : r));
    return this.#save(run, checkpoint);
  }

  async #execute(run: SearchRun, job: SearchJob, step: boolean): Promise<void> {
    this.run = run;
    this.resumable = null;
    this.progress = null;
    this.#cancelled = false;
    this.gpuFault = null;
    this.status = 'baselines';
    if (this.#source.compute.crashed) this.#source.compute.restart?.();
    await this.#save(run);
    void this.refreshRuns();
    if (Object.keys(run.baselines).length === 0) await this.#update({ baselines: await this.#baselines(job) });
    if (this.#cancelled) return this.#end({ status: 'cancelled' }, undefined);
    this.status = 'running';
    const requestId = (this.#requestId = this.#source.compute.newRequestId());
    try {
      const answer = this.#source.compute.request({ type: 'search', requestId, job }, { onEvent: (event) => this.#onEvent(event) });
      if (step) this.#control('step');
      const final = await answer;
      await this.#saving;
      if (final.type === 'searched') {
        await this.#end({ status: 'finished', result: { ...final.result, iterations: this.run!.iterations } }, null);
      } else if (final.type === 'cancelled') {
        await this.#end({ status: 'cancelled' }, undefined, 'Cancelled; the finished iterations are saved and the run can be resumed.');
      } else {
        throw new Error(final.type === 'error' ? final.message : `The compute worker answered '${final.type}'`);
      }
    } catch (error) {
      const done = this.run!.iterations.length;
      const fault = describeGpuFault(error, this.#source.compute.backend?.name);
      this.gpuFault = fault?.kind ?? null;
      const why = fault?.message ?? (error as Error).message;
      await this.#end({ status: 'failed', error: why }, undefined, `${why} The run stopped after ${done} of ${this.run!.plannedIterations} iterations; Resume goes on from there.`);
    }
  }

  async #end(patch: Partial<SearchRun>, checkpoint: null | undefined, message?: string): Promise<void> {
    this.#requestId = 0;
    this.status = 'idle';
    this.progress = null;
    if (message) this.message = message;
    await this.#update(patch, checkpoint);
    await this.refreshRuns();
  }

  #onEvent(event: ComputeResponse): void {
    if (event.type === 'search-progress') this.progress = event;
    else if (event.type === 'search-iteration') void this.#update({ iterations: [...this.run!.iterations, event.record] }, event.checkpoint);
    else if (event.type === 'paused') {
      this.status = 'paused';
      void this.#update({ status: 'paused' });
    } else if (event.type === 'resumed') {
      this.status = 'running';
      void this.#update({ status: 'running' });
    }
  }

  /**
   * The baselines on the same dataset, budget, seed and limit, each a separate (millisecond)
   * search: best-so-far curves to plot beside the run. With a table device they filter by its
   * true latency (the run itself filters by a latency GCN, which would take minutes per baseline).
   */
  async #baselines(job: SearchJob): Promise<Record<string, number[]>> {
    const curves: Record<string, number[]> = {};
    const latency = job.latency && !job.latency.predicted ? { ...job.latency, predicted: job.latency.truth, predictor: 'true latency' } : job.latency;
    const eligible = withinLimit(job.settings.constraint?.ms, latency?.truth ?? latency?.predicted ?? null);
    for (const method of BASELINES) {
      const settings: SearchSettings = { ...job.settings, method, config: 'default' };
      if (this.#cancelled) break;
      try {
        checkSearchSettings(settings, latency);
        const { resume: _, ...fresh } = job;
        const answer = await this.#source.compute.request({ type: 'search', requestId: this.#source.compute.newRequestId(), job: { ...fresh, settings, latency } });
        if (answer.type === 'searched') curves[method] = Array.from(bestSoFarCurve(job.oracle, answer.result.queried, eligible));
      } catch {
        // A baseline that cannot run (e.g. evolution in Pareto mode) is left out of the plot.
      }
    }
    return curves;
  }
}
