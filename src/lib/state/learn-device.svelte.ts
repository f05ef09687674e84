/**
 * Lesson 3's live measurements: a profiler worker of its own (the Profile view's runs stay apart)
 * times a few cells with a short protocol, for the "which is faster?" game and to place this
 * device among the known ones. Nothing is stored: the Profile view is where measurements are kept.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import { gamePair, placeDevice, type DeviceSeries, type Placement } from '../learn/device-lesson';
import type { MeasurementBackend } from '../latency/environment';
import { cellLatencyMs } from '../latency/stats';
import { MIN_SAMPLES_TO_REMEASURE } from '../latency/profiler';
import { asBasis, knownDevices } from '../latency/reference-set';
import { mulberry32 } from '../spaces/rng';
import { codeToOps, NB201_NUM_CELLS } from '../spaces/nb201';
import { PROFILER_EVENTS, type ProfileSettings, type ProfilerEventType, type ProfilerRequest, type ProfilerResponse } from '../workers/profiler-messages';
import { RpcClient } from '../workers/rpc';

/**
 * The lesson's protocol: far shorter than the Profile view's (15 samples), named as such on the
 * page. Under 5 samples the profiler keeps one result per cell instead of waiting out the
 * machine's slow phases to re-measure, which could keep a student waiting a minute.
 */
export const LESSON3_PROTOCOL: ProfileSettings = { minSamples: MIN_SAMPLES_TO_REMEASURE - 1, warmupMinRuns: 2, warmupMaxMs: 400, minSampleMs: 10 };

interface LessonTables {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
}

interface GameOutcome {
  pair: [number, number];
  guess: 0 | 1;
  /** Which of the pair measured faster here. */
  faster: 0 | 1;
}

export class DeviceLessonState {
  status = $state<'idle' | 'measuring'>('idle');
  /** Cells measured so far: NB201 index → median ms. */
  measured = $state.raw<ReadonlyMap<number, number>>(new Map());
  backend = $state<MeasurementBackend | null>(null);
  message = $state<string | null>(null);
  guess = $state<0 | 1 | null>(null);
  outcomes = $state.raw<GameOutcome[]>([]);
  /** Cells measured of the current request, and how many it has. */
  progress = $state<{ done: number; of: number } | null>(null);

  readonly #source: LessonTables;
  /** The known devices, followed as the tables load or change (an import adds one). */
  readonly devices: DeviceSeries[] = $derived.by(() => asBasis(knownDevices(this.#source.datasets, this.#source.tables).devices));
  readonly flops: Float64Array;
  readonly candidates: number[];
  readonly #opsCode: Float64Array;
  #client: RpcClient<ProfilerRequest, ProfilerResponse, ProfilerEventType> | null = null;
  #requestId = 0;

  constructor(source: LessonTables) {
    this.#source = source;
    const nb201 = source.tables.nb201;
    this.flops = columnByIndex(nb201, 'c10_flops', NB201_NUM_CELLS);
    this.#opsCode = columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS);
    const connected = columnByIndex(nb201, 'connected', NB201_NUM_CELLS);
    this.candidates = [];
    for (let i = 0; i < NB201_NUM_CELLS; i++) if (connected[i] === 1 && this.flops[i] > 0) this.candidates.push(i);
  }

  readonly placement: Placement[] = $derived.by(() => placeDevice(this.measured, this.devices));

  /** The game's pair for `seed` and `round`. */
  pair(seed: number, round: number): [number, number] {
    return gamePair(this.candidates, this.flops, seed, round);
  }

  /** How many known devices time the first cell of the pair faster, of those that time both. */
  votes(pair: [number, number]): { first: number; of: number } {
    let first = 0;
    let of = 0;
    for (const d of this.devices) {
      const a = d.values[pair[0]];
      const b = d.values[pair[1]];
      if (!(a > 0 && b > 0)) continue;
      of++;
      if (a < b) first++;
    }
    return { first, of };
  }

  /** The player's guess for the pair; both cells are then measured here and the outcome kept. */
  async play(pair: [number, number], guess: 0 | 1): Promise<void> {
    if (this.status !== 'idle') return;
    this.guess = guess;
    await this.#measure(pair);
    const a = this.measured.get(pair[0]);
    const b = this.measured.get(pair[1]);
    if (a !== undefined && b !== undefined) this.outcomes = [...this.outcomes, { pair, guess, faster: a <= b ? 0 : 1 }];
  }

  /** Measures `count` more cells spread over the FLOPs range, to place this device. */
  async measureHandful(count: number, seed: number): Promise<void> {
    const sorted = [...this.candidates].sort((a, b) => this.flops[a] - this.flops[b]);
    const rng = mulberry32((seed * 31 + this.measured.size + 1) >>> 0);
    const strata = Array.from({ length: count }, (_, s) => sorted[Math.floor(((s + rng()) / count) * sorted.length)]);
    await this.#measure(strata.filter((i) => !this.measured.has(i)));
  }

  /** The outcome of `pair`, once measured. */
  outcome(pair: [number, number]): GameOutcome | undefined {
    return [...this.outcomes].reverse().find((o) => o.pair[0] === pair[0] && o.pair[1] === pair[1]);
  }

  cancel(): void {
    if (this.#requestId) this.#client?.post({ type: 'cancel', requestId: this.#requestId });
  }

  dispose(): void {
    this.#client?.terminate();
    this.#client = null;
  }

  async #measure(indices: number[]): Promise<void> {
    if (!indices.length) return;
    this.status = 'measuring';
    this.message = null;
    this.progress = { done: 0, of: indices.length };
    try {
      const client = this.#connect();
      if (!this.backend) {
        const detected = await client.request({ type: 'detect' }, { expect: 'detected' });
        this.backend = detected.defaultBackend;
      }
      const requestId = (this.#requestId = client.newRequestId());
      const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
      const cells = indices.map((index) => ({ index, ops: codeToOps(this.#opsCode[index]) }));
      await client.request(
        { type: 'profile', requestId, backends: [this.backend], cells, referenceCell: null, settings: LESSON3_PROTOCOL, hidden },
        {
          expect: 'profiled',
          onEvent: (event) => {
            if (event.type !== 'result') return;
            this.measured = new Map(this.measured).set(event.index, cellLatencyMs(event.result));
            this.progress = { done: indices.filter((i) => this.measured.has(i)).length, of: indices.length };
          },
        },
      );
    } catch (error) {
      this.message = (error as Error).message;
    } finally {
      this.#requestId = 0;
      this.status = 'idle';
      this.progress = null;
    }
  }

  #connect(): RpcClient<ProfilerRequest, ProfilerResponse, ProfilerEventType> {
    if (this.#client && !this.#client.crashed) return this.#client;
    this.#client = new RpcClient<ProfilerRequest, ProfilerResponse, ProfilerEventType>(() => new Worker(new URL('../workers/profiler.worker.ts', import.meta.url), { type: 'module' }), {
      name: 'profiler worker',
      events: PROFILER_EVENTS,
    });
    return this.#client;
  }
}
