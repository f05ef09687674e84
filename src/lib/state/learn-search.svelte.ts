/**
 * The searches of lessons 6 and 7, in the compute worker as the Search view runs them, but kept
 * apart from the Search view's saved runs: random search on the same seed first (milliseconds),
 * then the method with play, pause, step (one iteration) and slow motion. Slow motion steps the
 * worker one iteration at a time and keeps each phase of the loop lit for a while, as GAN Lab does.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import type { CalibratedPredictor } from '../latency/calibrated-predictor';
import type { CellFeatures } from '../latency/calibration';
import { cellFeatures } from '../latency/calibration-features';
import { knownDevices } from '../latency/reference-set';
import { fewShotOnTableDevice } from '../learn/hardware-lesson';
import { loopPhaseOf, phasesBetween, randomSettings, SLOW_MOTION_MS, type LoopPhase } from '../learn/selection-lesson';
import { bestSoFarCurve } from '../search/metrics';
import { plannedIterations } from '../search/run-search';
import { DATASET_COLUMNS, type LatencySource, type SearchOracle } from '../search/types';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { ComputeResponse } from '../workers/compute-messages';
import type { SearchIterationRecord, SearchJob, SearchResult, SearchSettings } from '../workers/search-messages';
import { axisOptions } from './explorer.svelte';
import type { SearchCompute } from './search.svelte';

interface LessonSearchSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
  readonly calibrated: { readonly predictors: readonly CalibratedPredictor[] };
  readonly compute: SearchCompute;
}

/** A latency device of lesson 7: a table column or one of the visitor's calibrated devices. */
interface LessonDevice {
  /** `<dataset>:<column>` or `calibrated:<predictor id>`. */
  id: string;
  label: string;
  kind: 'table' | 'calibrated';
}

const CALIBRATED = 'calibrated:';
/** Tries of the random search (500 ms apart) while the worker ends another job. */
const RANDOM_RETRIES = 6;

/** A finished lesson search as the Learn view keeps it in IndexedDB: enough to draw it again. */
export interface KeptSearch {
  settings: SearchSettings;
  records: SearchIterationRecord[];
  randomQueried: number[];
}

type LessonSearchStatus = 'idle' | 'running' | 'paused';

export class LessonSearchState {
  status = $state<LessonSearchStatus>('idle');
  /** The loop phase lit now (in slow motion it trails the worker so each phase is seen). */
  phase = $state<LoopPhase | null>(null);
  /** The iteration the lit phase belongs to (0-based), of `iterations`. */
  iteration = $state(0);
  iterations = $state(0);
  /** Training epoch within the train phase, when the worker reported one. */
  epoch = $state<{ epoch: number; epochs: number } | null>(null);
  records = $state.raw<SearchIterationRecord[]>([]);
  result = $state.raw<SearchResult | null>(null);
  /** The settings of the run shown. */
  settings = $state.raw<SearchSettings | null>(null);
  /** Random search's queries on the same seed and budget. */
  randomQueried = $state.raw<number[]>([]);
  slow = $state(false);
  message = $state<string | null>(null);

  readonly #source: LessonSearchSource;
  #requestId = 0;
  #features: CellFeatures | null = null;
  /** Table devices' filters, fitted once per device (and table load). */
  readonly #tableFilters = new Map<string, { table: Table; source: LatencySource }>();
  #lastPhase: LoopPhase | null = null;
  #queue: { phase: LoopPhase; iteration: number }[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The visitor asked to hold (step or pause): slow-motion play does not go on by itself. */
  #stepping = $state(false);

  constructor(source: LessonSearchSource) {
    this.#source = source;
  }

  readonly queried = $derived(this.result?.queried ?? this.records.flatMap((r) => r.queried));
  readonly oracle = $derived(this.settings ? this.oracleOf(this.settings) : null);
  readonly busy = $derived(this.status !== 'idle');
  /** Running, or in slow-motion play between two iterations (it goes on by itself). */
  readonly playing = $derived(this.status === 'running' || (this.status === 'paused' && this.slow && !this.#stepping));
  /** The visitor's calibrated devices first (newest first), then every table device. */
  readonly devices = $derived.by((): LessonDevice[] => [
    ...this.#source.calibrated.predictors.map((p) => ({ id: CALIBRATED + p.id, label: `${p.name} (calibrated on ${p.device.label})`, kind: 'calibrated' as const })),
    ...axisOptions(this.#source.datasets, new Set(['latency'])).map((o) => ({ id: o.id, label: o.label.replace(/ \(ms\)$/, ''), kind: 'table' as const })),
  ]);

  /**
   * A device's latency per NB201 index (ms) and the source a limited search filters with. A
   * calibrated device filters by its predictions, checked against the cells measured for it; a
   * table device by a few-shot calibration from its reference cells (`filterSourceOf`, fitted when
   * a search starts), checked against the whole table.
   */
  latencyOf(id: string): { values: Float64Array; source: LatencySource | null } | null {
    const device = this.devices.find((d) => d.id === id);
    if (!device) return null;
    if (device.kind === 'calibrated') {
      const predictor = this.#source.calibrated.predictors.find((p) => CALIBRATED + p.id === id)!;
      const values = Float64Array.from(predictor.predictions);
      const measured = new Float64Array(values.length).fill(Number.NaN);
      for (const cell of predictor.reference) measured[cell.index] = cell.ms;
      return { values, source: { predicted: values, truth: null, measured, predictor: `calibrated: ${device.label}` } };
    }
    const [datasetId, column] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    const table = this.#source.tables[datasetId];
    if (!table?.columns[column]) return null;
    return { values: columnByIndex(table, column, NB201_NUM_CELLS), source: null };
  }

  /**
   * What a limited search on `id` filters with. For a table device: the few-shot calibration from
   * its 20 reference cells (the other devices as the basis), so the search knows the device only
   * through a few cells, as it knows the visitor's; the table is the truth the filter is checked on.
   */
  filterSourceOf(id: string): LatencySource | null {
    const latency = this.latencyOf(id);
    if (!latency || latency.source) return latency?.source ?? null;
    const table = this.#source.tables[id.slice(0, id.indexOf(':'))];
    const kept = this.#tableFilters.get(id);
    if (kept && kept.table === table) return kept.source;
    const nb201 = this.#source.tables.nb201;
    if (!nb201) return null;
    const opsCode = columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS);
    this.#features ??= cellFeatures(opsCode, columnByIndex(nb201, 'connected', NB201_NUM_CELLS));
    const fewShot = fewShotOnTableDevice(knownDevices(this.#source.datasets, this.#source.tables).devices, this.#features, opsCode, id);
    const label = this.devices.find((d) => d.id === id)!.label;
    const source = {
      predicted: fewShot.predictions,
      truth: latency.values,
      predictor: `${label}: few-shot calibration (${fewShot.method}) from its ${fewShot.reference.length} reference cells, ${(100 * fewShot.within10).toFixed(0)} % of its other cells within ±10 %`,
    };
    this.#tableFilters.set(id, { table, source });
    return source;
  }

  /** The dataset's validation and test accuracy per NB201 index; null before the table is loaded. */
  oracleOf(settings: SearchSettings): SearchOracle | null {
    const nb201 = this.#source.tables.nb201;
    const columns = DATASET_COLUMNS[settings.dataset];
    if (!nb201?.columns[columns.valid] || !nb201.columns[columns.test]) return null;
    return { valid: columnByIndex(nb201, columns.valid, NB201_NUM_CELLS), test: columnByIndex(nb201, columns.test, NB201_NUM_CELLS) };
  }

  /** Best-so-far test accuracy after each query (cells within the limit, by `latency`). */
  curve(queried: readonly number[], latency: ArrayLike<number> | null = null): number[] {
    const limit = this.settings?.constraint?.ms;
    const eligible = limit === undefined || !latency ? undefined : (i: number) => latency[i] <= limit;
    return this.oracle ? Array.from(bestSoFarCurve(this.oracle, queried, eligible)) : [];
  }

  /** The finished run, to keep; null before one finished. */
  get kept(): KeptSearch | null {
    return this.result && this.settings ? { settings: this.settings, records: this.records, randomQueried: this.randomQueried } : null;
  }

  /** Draws a kept run again (no worker needed). */
  show(kept: KeptSearch): void {
    if (this.busy) return;
    this.settings = kept.settings;
    this.records = kept.records;
    this.randomQueried = kept.randomQueried;
    this.result = null;
    this.iterations = plannedIterations(kept.settings);
    this.iteration = Math.max(0, kept.records.length - 1);
    this.phase = null;
  }

  /** Random search alone (milliseconds): the figure's first state before the method runs. */
  async preview(settings: SearchSettings, latency: LatencySource | null): Promise<void> {
    if (this.busy) return;
    const nb201 = this.#source.tables.nb201;
    const oracle = this.oracleOf(settings);
    if (!nb201 || !oracle) return;
    this.settings = settings;
    this.records = [];
    this.result = null;
    this.phase = null;
    this.iterations = plannedIterations(settings);
    try {
      const queried = await this.#random({ settings, oracle, opsCode: columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS), latency });
      if (this.settings === settings) this.randomQueried = queried;
    } catch (error) {
      this.message = (error as Error).message;
    }
  }

  /** Runs random search, then the method; `step` pauses the method after its first iteration. */
  async start(settings: SearchSettings, latency: LatencySource | null, step = false): Promise<void> {
    if (this.busy) return;
    const nb201 = this.#source.tables.nb201;
    const oracle = this.oracleOf(settings);
    if (!nb201 || !oracle) return void (this.message = 'The NB201 table is not loaded yet.');
    const compute = this.#source.compute;
    const job = { oracle, opsCode: columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS), latency };
    this.message = null;
    this.settings = settings;
    this.records = [];
    this.result = null;
    this.randomQueried = [];
    this.#lastPhase = null;
    this.#queue = [];
    this.phase = null;
    this.iteration = 0;
    this.iterations = plannedIterations(settings);
    this.status = 'running';
    this.#stepping = step;
    try {
      this.randomQueried = await this.#random({ ...job, settings });
      const requestId = (this.#requestId = compute.newRequestId());
      const answer = compute.request({ type: 'search', requestId, job: { ...job, settings } }, { onEvent: (event) => this.#onEvent(event) });
      // A step, and slow motion, hold the worker at the end of each iteration.
      if (step || this.slow) this.#post('step');
      const final = await answer;
      if (final.type === 'searched') this.result = final.result;
      else if (final.type === 'cancelled') this.message = 'Stopped.';
    } catch (error) {
      this.message = (error as Error).message;
    } finally {
      this.#requestId = 0;
      this.status = 'idle';
      this.#drain();
    }
  }

  /** Play while paused: runs to the end (in slow motion, one iteration at a time with pauses). */
  play(): void {
    if (this.status !== 'paused') return;
    this.#stepping = false;
    this.#post(this.slow ? 'step' : 'resume');
  }
  pause(): void {
    this.#stepping = true;
    this.#post('pause');
  }
  /** One more iteration, then pause. */
  step(): void {
    this.#stepping = true;
    this.#post('step');
  }
  cancel(): void {
    this.#post('cancel');
  }
  /** Slow motion on a running search holds it at the end of this iteration, then goes on one iteration at a time. */
  setSlow(slow: boolean): void {
    this.slow = slow;
    if (slow && this.status === 'running') this.#post('step');
    if (!slow) {
      this.#drain();
      if (this.status === 'paused' && !this.#stepping) this.#post('resume');
    }
  }

  /** Random search on the job's seed and budget (milliseconds): its queries. */
  async #random(job: SearchJob): Promise<number[]> {
    const compute = this.#source.compute;
    // The worker runs one job at a time: a lesson left a moment ago may still be ending its own.
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await compute.request({ type: 'search', requestId: compute.newRequestId(), job: { ...job, settings: randomSettings(job.settings) } });
        if (answer.type !== 'searched') throw new Error(answer.type === 'error' ? answer.message : `Random search answered '${answer.type}'`);
        return answer.result.queried;
      } catch (error) {
        if (attempt >= RANDOM_RETRIES || compute.crashed) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  #post(type: 'pause' | 'resume' | 'cancel' | 'step'): void {
    if (this.#requestId) this.#source.compute.post({ type, requestId: this.#requestId });
  }

  #onEvent(event: ComputeResponse): void {
    if (event.type === 'search-progress') {
      const phase = loopPhaseOf(event.phase);
      if (!phase) return;
      this.epoch = event.epochs ? { epoch: event.epoch ?? 0, epochs: event.epochs } : null;
      for (const p of phasesBetween(this.#lastPhase, phase)) this.#queue.push({ phase: p, iteration: event.iteration });
      this.#lastPhase = phase;
      this.#pump();
    } else if (event.type === 'search-iteration') {
      this.records = [...this.records, event.record];
    } else if (event.type === 'paused') {
      this.status = 'paused';
      // Slow-motion play: go on by one more iteration once the lit phases have been seen.
      if (this.slow && !this.#stepping) this.#afterQueue(() => void (this.status === 'paused' && this.slow && !this.#stepping && this.#post('step')));
    } else if (event.type === 'resumed') {
      this.status = 'running';
    }
  }

  /** Lights the queued phases: at once in normal speed, each for SLOW_MOTION_MS in slow motion. */
  #pump(): void {
    if (!this.slow) return this.#drain();
    if (this.#timer) return;
    const next = this.#queue.shift();
    if (!next) return;
    this.phase = next.phase;
    this.iteration = next.iteration;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, SLOW_MOTION_MS);
  }

  #drain(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const last = this.#queue.at(-1);
    this.#queue = [];
    if (last) {
      this.phase = last.phase;
      this.iteration = last.iteration;
    }
  }

  #afterQueue(then: () => void): void {
    const wait = () => (this.#queue.length || this.#timer ? setTimeout(wait, 200) : setTimeout(then, SLOW_MOTION_MS));
    wait();
  }
}
