/**
 * Lesson 4's runs: the latency GCN trained in the compute worker on N cells of a known device
 * (small lesson config), scored on held-out cells of that device, next to two predictors fitted
 * on the same N cells: a FLOPs line and the few-shot calibration from the other devices
 * (latency/calibration.ts, the device treated as new). Points are kept per (device, N).
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import { lesson4Config, lesson4Split, mergePoint, type Lesson4Point } from '../learn/latency-lesson';
import type { BasisDevice, CellFeatures } from '../latency/calibration';
import { cellFeatures } from '../latency/calibration-features';
import { fewShotOnKnownDevice } from '../latency/known-device';
import { asBasis, knownDevices } from '../latency/reference-set';
import { indicesWithValues } from '../predictor/splits';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { ComputeClient } from './compute.svelte';

interface LatencyLessonSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
  readonly compute: ComputeClient;
}

/** The seed of the split and the weights: fixed, so that a point only changes with N and the device. */
const SEED = 0;

export class LatencyLessonState {
  status = $state<'idle' | 'training' | 'calibrating'>('idle');
  epoch = $state<{ epoch: number; epochs: number } | null>(null);
  /** The device and N of the run in progress (it may be a smaller size computed for the first paint, not the slider's). */
  running = $state<{ target: string; n: number } | null>(null);
  points = $state.raw<Lesson4Point[]>([]);
  message = $state<string | null>(null);

  readonly #source: LatencyLessonSource;
  /** The known devices, followed as the tables load or change (an import adds one). */
  readonly devices: BasisDevice[] = $derived.by(() => asBasis(knownDevices(this.#source.datasets, this.#source.tables).devices));
  #features: CellFeatures | null = null;
  #requestId = 0;

  constructor(source: LatencyLessonSource, kept: Lesson4Point[] = []) {
    this.#source = source;
    this.points = kept;
  }

  point(target: string, n: number): Lesson4Point | undefined {
    return this.points.find((p) => p.target === target && p.n === n);
  }

  /** Trains the GCN on `n` cells of `target`, fits the FLOPs line and the few-shot calibration on the same cells, scores all three. */
  async run(target: string, n: number): Promise<Lesson4Point | null> {
    if (this.status !== 'idle') return null;
    const device = this.devices.find((d) => d.key === target);
    const nb201 = this.#source.tables.nb201;
    if (!device || !nb201) return (void (this.message = `Device ${target} is not in the loaded tables.`), null);
    this.message = null;
    this.status = 'training';
    this.running = { target, n };
    try {
      const values = Float64Array.from(device.values as ArrayLike<number>, (v) => (v > 0 ? v : Number.NaN));
      const connected = columnByIndex(nb201, 'connected', NB201_NUM_CELLS);
      const split = lesson4Split(indicesWithValues(values, connected), n, SEED);
      const opsCode = columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS);
      const [datasetId, column] = target.split(':');
      const compute = this.#source.compute;
      const requestId = (this.#requestId = compute.newRequestId());
      const answer = await compute.request(
        {
          type: 'train',
          requestId,
          job: {
            name: `Lesson 4 · ${device.label} · ${n} cells`,
            kind: 'regression',
            target: { datasetId, column, label: `latency on ${device.label}`, unit: 'ms', datasetVersion: this.#source.datasets.find((d) => d.id === datasetId)?.version ?? '' },
            values,
            opsCode,
            trainIndices: split.train,
            valIndices: [],
            testIndices: split.test,
            config: lesson4Config(SEED),
          },
        },
        {
          expect: ['trained', 'cancelled'],
          onEvent: (event) => {
            if (event.type === 'epoch') this.epoch = { epoch: event.epoch + 1, epochs: event.epochs };
          },
        },
      );
      this.#requestId = 0;
      if (answer.type === 'cancelled') return (void (this.message = 'Training cancelled.'), null);
      void compute.request({ type: 'release-predictor', predictorId: answer.predictorId }, { expect: 'released' }).catch(() => undefined);
      const test = answer.result.test;
      if (!test || test.kind !== 'regression') throw new Error('the worker scored no cells');
      this.status = 'calibrating';
      // Let the page paint "calibrating" before the fit takes the main thread for a moment.
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.#features ??= cellFeatures(opsCode, connected);
      const fewShot = fewShotOnKnownDevice(this.devices, this.#features, target, split.train, { scoreOn: split.test });
      const point: Lesson4Point = {
        target,
        n,
        gcn: test.metrics.within.eagle[10],
        flops: fewShot.flops.within10,
        fewShot: fewShot.fewShot.within10,
        fewShotMethod: fewShot.method,
        testCells: test.indices.length,
        wallMs: answer.result.wallMs,
      };
      this.points = mergePoint(this.points, point);
      return point;
    } catch (error) {
      this.message = (error as Error).message;
      return null;
    } finally {
      this.#requestId = 0;
      this.status = 'idle';
      this.epoch = null;
      this.running = null;
    }
  }

  cancel(): void {
    if (this.#requestId) this.#source.compute.post({ type: 'cancel', requestId: this.#requestId });
  }
}
