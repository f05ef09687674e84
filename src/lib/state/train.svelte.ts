/**
 * Train view state: which target, split and config; the running job (epochs, pause, cancel); the
 * held-out evaluation next to the FLOPs proxy; saved predictors. Training runs in the compute
 * worker; this class only prepares jobs and evaluates answers (cheap, O(n log n) metrics).
 */
import { describeGpuFault, type GpuFaultKind } from '../compute/gpu-faults';
import { columnByIndex } from '../datasets/by-index';
import { ACCURACY_PRESET, BRP_FAST_PRESET, BRP_PRESET, LATENCY_FAST_PRESET, LATENCY_PRESET, LATENCY_THOROUGH_PRESET, type PredictorConfig } from '../predictor/config';
import { indicesWithValues, randomSplit } from '../predictor/splits';
import { evaluatePredictions, type Evaluation } from '../predictor/evaluation';
export type { Evaluation, Metrics } from '../predictor/evaluation';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { ValidationMetrics } from '../predictor/loop';
import type { PredictorSummary, TrainJob, TrainResult } from '../workers/compute-messages';
import { WorkerStoppedError } from '../workers/rpc';
import type { ComputeClient } from './compute.svelte';
import type { DataState } from './data.svelte';
import { axisOptions, type AxisOption } from './explorer.svelte';
import { formatHash, parseHash, type PropSpec } from './url-hash';

const TRAIN_PROPS = {
  /** `<dataset>:<column>` to predict. */
  target: { type: 'string', default: 'latbench:desktop_cpu_i7_7820x_fp32' } as PropSpec<string>,
  kind: { type: 'string', default: 'regression', oneOf: ['regression', 'brp'] } as PropSpec<string>,
  /** Training cells; 0 = the paper's size for this kind of target. */
  train: { type: 'int', default: 0 } as PropSpec<number>,
  /** Validation cells; -1 = the paper's size. */
  val: { type: 'int', default: -1 } as PropSpec<number>,
  seed: { type: 'int', default: 0 } as PropSpec<number>,
  /** 'paper' = the official config; 'fast' = latency stand-in (see config.ts); 'small' = a 2×64 GCN for demos. */
  preset: { type: 'string', default: 'auto', oneOf: ['auto', 'paper', 'fast', 'thorough', 'small', 'brp-fast'] } as PropSpec<string>,
  /** Workers per batch (data-parallel training); 'auto' = the compute worker's choice from backend, cores and batch. */
  workers: { type: 'string', default: 'auto', oneOf: ['auto', '1', '2', '3', '4'] } as PropSpec<string>,
};

type Preset = 'paper' | 'fast' | 'thorough' | 'small' | 'brp-fast';
export const PRESET_LABELS: Record<Preset, string> = {
  paper: "paper config (eagle's YAML)",
  fast: "fast latency config (batch 32, 60 epochs: not the paper's)",
  'brp-fast': "fast BRP (all pairs of groups of 8 models per step, each model embedded once per epoch: not the paper's)",
  thorough: "thorough latency config (batch 8, 120 epochs, 4-5 min on 2 cores: not the paper's)",
  small: "small demo GCN (2 × 64, 30 epochs: not the paper's)",
};

interface EpochPoint {
  epoch: number;
  trainLoss: number;
  valLoss: number;
}

export class TrainState {
  settings = $state(parseHash('', TRAIN_PROPS));
  status = $state<'idle' | 'running' | 'paused' | 'evaluating'>('idle');
  epochs = $state.raw<EpochPoint[]>([]);
  epochsTotal = $state(0);
  /** The validation metrics of the last epoch (see ValidationMetrics). */
  valMetrics = $state.raw<ValidationMetrics | null>(null);
  elapsedMs = $state(0);
  message = $state<string | null>(null);
  /** The GPU fault that stopped the last run (gpu-faults.ts), while the view offers WASM for the next one. */
  gpuFault = $state<GpuFaultKind | null>(null);
  result = $state.raw<TrainResult | null>(null);
  evaluation = $state.raw<Evaluation | null>(null);
  /** The trained (or loaded) predictor held in the worker, and whether it is saved. */
  current = $state.raw<PredictorSummary | null>(null);
  currentSaved = $state(false);
  saved = $state.raw<PredictorSummary[]>([]);
  storageNotice = $state<string | null>(null);

  #data: DataState;
  #requestId = 0;

  constructor(data: DataState, hash = '') {
    this.#data = data;
    this.settings = parseHash(hash, TRAIN_PROPS);
  }

  get #compute(): ComputeClient {
    return this.#data.compute;
  }

  /** Why the compute worker stopped, or null while it runs (the view then offers `restart`). */
  get crashed(): string | null {
    return this.#compute.crashed;
  }

  readonly targets = $derived.by<AxisOption[]>(() => axisOptions(this.#data.datasets, new Set(['latency', 'accuracy'])));
  readonly target = $derived(this.targets.find((t) => t.id === this.settings.target) ?? this.targets[0]);
  readonly isLatency = $derived(this.target?.unit === 'ms');
  /** BRP learns "which is better"; it is offered for accuracy targets (higher = better). */
  readonly kind = $derived<'regression' | 'brp'>(this.isLatency ? 'regression' : (this.settings.kind as 'regression' | 'brp'));
  readonly preset = $derived<Preset>(this.#preset());
  readonly trainSize = $derived(this.settings.train > 0 ? this.settings.train : this.isLatency ? 900 : 100);
  readonly valSize = $derived(this.kind === 'brp' ? 0 : this.settings.val >= 0 ? this.settings.val : 100);
  readonly config = $derived<PredictorConfig>(this.#config());
  readonly hash = $derived(formatHash(this.settings, TRAIN_PROPS));

  set(patch: Partial<typeof this.settings>) {
    this.settings = { ...this.settings, ...patch };
  }
  loadHash(hash: string) {
    this.settings = parseHash(hash, TRAIN_PROPS);
  }

  /** The URL's preset where it fits this target and kind, else the default for them. */
  #preset(): Preset {
    const asked = this.settings.preset;
    if (this.isLatency) return asked === 'auto' || asked === 'brp-fast' ? 'fast' : (asked as Preset);
    if (asked === 'small') return 'small';
    if (this.kind === 'brp' && asked === 'brp-fast') return 'brp-fast';
    return 'paper';
  }

  /** The presets offered for this target and kind, default first. */
  get presets(): Preset[] {
    if (this.isLatency) return ['fast', 'thorough', 'paper', 'small'];
    return this.kind === 'brp' ? ['paper', 'brp-fast', 'small'] : ['paper', 'small'];
  }

  #config(): PredictorConfig {
    const seed = this.settings.seed >>> 0;
    const paper = this.kind === 'brp' ? BRP_PRESET : this.isLatency ? LATENCY_PRESET : ACCURACY_PRESET;
    if (this.preset === 'fast') return { ...LATENCY_FAST_PRESET, seed };
    if (this.preset === 'thorough') return { ...LATENCY_THOROUGH_PRESET, seed };
    if (this.preset === 'brp-fast') return { ...BRP_FAST_PRESET, seed };
    if (this.preset === 'small') return { ...paper, layers: 2, hidden: 64, epochs: 30, esPatience: 0, batchSize: this.kind === 'brp' ? 64 : 16, schedule: 'cosine', lr: 1e-3, seed };
    return { ...paper, seed };
  }

  /** Target values and the cells that may be used (latency: connected cells only, as LatBench). */
  #targetValues(): { values: Float64Array; candidates: number[] } {
    const target = this.target;
    const table = target && this.#data.tables[target.datasetId];
    const nb201 = this.#data.tables.nb201;
    if (!target || !table || !nb201) throw new Error('the tables are not loaded yet');
    const values = columnByIndex(table, target.column, NB201_NUM_CELLS);
    const connected = this.isLatency ? columnByIndex(nb201, 'connected', NB201_NUM_CELLS) : undefined;
    return { values, candidates: indicesWithValues(values, connected) };
  }

  async train(): Promise<void> {
    if (this.status !== 'idle') return;
    const target = this.target;
    const nb201 = this.#data.tables.nb201;
    if (!target || !nb201) return;
    this.message = null;
    this.gpuFault = null;
    let job: TrainJob;
    try {
      const { values, candidates } = this.#targetValues();
      const split = randomSplit(candidates, this.trainSize, this.valSize, this.settings.seed >>> 0);
      const dataset = this.#data.datasets.find((d) => d.id === target.datasetId);
      job = {
        name: `${this.kind === 'brp' ? 'BRP' : 'GCN'} · ${target.label} · ${this.trainSize} cells · seed ${this.settings.seed}`,
        kind: this.kind,
        target: { datasetId: target.datasetId, column: target.column, label: target.label, unit: target.unit, datasetVersion: dataset?.version ?? '' },
        values,
        opsCode: columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS),
        trainIndices: split.train,
        valIndices: split.val,
        testIndices: split.test,
        config: this.config,
        ...(this.settings.workers === 'auto' ? {} : { workers: Number(this.settings.workers) }),
      };
    } catch (err) {
      this.message = err instanceof Error ? err.message : String(err);
      return;
    }
    this.status = 'running';
    this.epochs = [];
    this.valMetrics = null;
    this.epochsTotal = job.config.epochs;
    this.result = null;
    this.evaluation = null;
    this.#requestId = this.#compute.newRequestId();
    const points: EpochPoint[] = [];
    try {
      const answer = await this.#compute.request(
        { type: 'train', requestId: this.#requestId, job },
        {
          expect: ['trained', 'cancelled'],
          onEvent: (event) => {
            if (event.type === 'epoch') {
              points.push({ epoch: event.epoch + 1, trainLoss: event.trainLoss, valLoss: event.valLoss });
              this.epochs = [...points];
              this.elapsedMs = event.elapsedMs;
              this.valMetrics = event.valMetrics ?? null;
            } else if (event.type === 'paused') this.status = 'paused';
            else if (event.type === 'resumed') this.status = 'running';
          },
        },
      );
      if (answer.type === 'cancelled') {
        this.message = 'Training cancelled; nothing was kept.';
        return;
      }
      this.result = answer.result;
      this.current = answer.summary;
      this.currentSaved = false;
      if (answer.result.test) {
        const t = answer.result.test;
        this.evaluation = this.#evaluate(answer.predictorId, answer.summary, t.indices, t.kind === 'regression' ? t.predicted : t.scores, job.values);
      }
    } catch (err) {
      // An error answer, or the worker crashed (then the view offers to restart it).
      const fault = describeGpuFault(err, this.#compute.backend?.name);
      this.gpuFault = fault?.kind ?? null;
      this.message = fault?.message ?? messageOf(err);
    } finally {
      this.status = 'idle';
    }
  }

  /**
   * Starts a fresh compute worker after a crash. Predictors it held and had not saved are gone
   * with the old one; the saved ones are listed again.
   */
  restart(): void {
    this.#compute.restart();
    this.message = null;
    if (!this.currentSaved) this.current = null;
    void this.refreshSaved();
  }

  /** After a GPU fault: the compute worker switches to WASM for the next run (saved predictors stay). */
  useWasm(): void {
    this.#compute.start('wasm');
    this.gpuFault = null;
    this.message = null;
  }

  pause() {
    this.#compute.post({ type: 'pause', requestId: this.#requestId });
  }
  resume() {
    this.#compute.post({ type: 'resume', requestId: this.#requestId });
  }
  cancel() {
    this.#compute.post({ type: 'cancel', requestId: this.#requestId });
  }

  /** Held-out metrics of the GCN and of the FLOPs proxy on exactly the same cells. */
  #evaluate(predictorId: string, summary: PredictorSummary, indices: Int32Array, predicted: Float32Array, values: Float64Array): Evaluation {
    const { kind, target, trainIndices } = summary.provenance;
    const flops = columnByIndex(this.#data.tables.nb201, 'c10_flops', NB201_NUM_CELLS);
    return evaluatePredictions({ predictorId, kind, target, trainIndices, indices, predicted, values, flops });
  }

  async save(): Promise<void> {
    if (!this.current) return;
    try {
      await this.#compute.request({ type: 'save', predictorId: this.current.id }, { expect: 'saved' });
    } catch (err) {
      this.message = messageOf(err);
      return;
    }
    this.currentSaved = true;
    await this.refreshSaved();
  }

  async refreshSaved(): Promise<void> {
    try {
      const answer = await this.#compute.request({ type: 'list-predictors' }, { expect: 'predictor-list' });
      this.saved = answer.predictors;
      this.storageNotice = [answer.notice, ...answer.problems].filter(Boolean).join(' ') || null;
    } catch (err) {
      this.message = messageOf(err);
    }
  }

  /** Loads a saved predictor and evaluates it on the cells it was not trained or validated on. */
  async load(id: string): Promise<void> {
    this.status = 'evaluating';
    this.message = null;
    try {
      const loaded = await this.#compute.request({ type: 'load-predictor', id }, { expect: 'loaded' });
      const summary = loaded.summary;
      const nb201 = this.#data.tables.nb201;
      const table = this.#data.tables[summary.provenance.target.datasetId];
      if (!table) throw new Error(`its target table ${summary.provenance.target.datasetId} is not loaded`);
      const values = columnByIndex(table, summary.provenance.target.column, NB201_NUM_CELLS);
      const answer = await this.#compute.request({ type: 'predict-all', predictorId: summary.id, opsCode: columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS) }, { expect: 'predictions' });
      const used = new Set([...summary.provenance.trainIndices, ...summary.provenance.valIndices]);
      const connected = summary.provenance.target.unit === 'ms' ? columnByIndex(nb201, 'connected', NB201_NUM_CELLS) : undefined;
      const test = Int32Array.from(indicesWithValues(values, connected).filter((i) => !used.has(i)));
      this.current = summary;
      this.currentSaved = true;
      this.result = null;
      this.epochs = [];
      this.valMetrics = null;
      this.evaluation = this.#evaluate(
        summary.id,
        summary,
        test,
        Float32Array.from(test, (i) => answer.values[i]),
        values,
      );
    } catch (err) {
      this.message = err instanceof WorkerStoppedError ? err.message : `Could not load the predictor: ${messageOf(err)}`;
    } finally {
      this.status = 'idle';
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.#compute.request({ type: 'delete-predictor', id }, { expect: 'deleted' });
    } catch (err) {
      this.message = messageOf(err);
    }
    await this.refreshSaved();
  }

  /** The export file of a predictor, for the view to offer as a download. */
  async exportFile(id: string): Promise<{ fileName: string; text: string } | null> {
    try {
      const answer = await this.#compute.request({ type: 'export-predictor', id }, { expect: 'exported' });
      return { fileName: answer.fileName, text: answer.text };
    } catch (err) {
      this.message = messageOf(err);
      return null;
    }
  }

  async importFile(file: File): Promise<void> {
    this.message = null;
    if (file.size > 64 * 1024 * 1024) {
      this.message = `${file.name.slice(0, 40)} is ${(file.size / 2 ** 20).toFixed(0)} MB; predictor files are at most 64 MB. Nothing was stored.`;
      return;
    }
    try {
      await this.#compute.request({ type: 'import-predictor', text: await file.text() }, { expect: 'imported' });
    } catch (err) {
      this.message = messageOf(err);
      return;
    }
    await this.refreshSaved();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
