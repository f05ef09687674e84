/**
 * Explorer view state: which columns are on the axes, the pinned cell and the zoom, all mirrored
 * in the URL hash so a view can be shared. Derived arrays are spread over the 15,625 NB201 indices.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import type { CalibratedPredictor } from '../latency/calibrated-predictor';
import { paretoFront } from '../search/pareto';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { formatHash, parseHash, type PropSpec } from './url-hash';

const EXPLORER_PROPS = {
  /** x axis: `<dataset id>:<column>`, a latency, FLOPs or params column, or `calibrated:<predictor id>`. */
  x: { type: 'string', default: 'latbench:desktop_cpu_i7_7820x_fp32' } as PropSpec<string>,
  /** y axis: `<dataset id>:<column>`, an accuracy column. */
  y: { type: 'string', default: 'nb201:c100_test' } as PropSpec<string>,
  /** Show every cell or only the 15,284 connected ones. */
  cells: { type: 'string', default: 'all', oneOf: ['all', 'connected'] } as PropSpec<string>,
  /** Pinned NB201 index, -1 = none. */
  pin: { type: 'int', default: -1 } as PropSpec<number>,
  /** Zoom [k, tx/width, ty/height]; empty = whole data. */
  zoom: { type: 'numbers', default: [] as number[] } as PropSpec<number[]>,
};

export interface AxisOption {
  /** `<dataset id>:<column>` */
  id: string;
  datasetId: string;
  column: string;
  /** Shown in the picker and on the axis, with the unit. */
  label: string;
  unit: string;
  group: string;
  caveat?: string;
}

/** What the Explorer needs of a saved calibrated predictor to plot it. */
type CalibratedAxisSource = Pick<CalibratedPredictor, 'id' | 'name' | 'device' | 'reference' | 'validation' | 'predictions'>;

/** An x axis of predicted latency: a saved calibrated predictor of the visitor's device. */
interface CalibratedAxisOption {
  /** `calibrated:<predictor id>` */
  id: string;
  predictorId: string;
  /** The predictor's name, as the visitor gave it. */
  name: string;
  /** Shown in the picker: the predictor's name and unit. */
  label: string;
  /** The axis title: says these are predictions, and for which device. */
  title: string;
  unit: 'ms';
  deviceLabel: string;
  group: string;
  /** How it was calibrated and validated, so nobody mistakes it for a measured table. */
  caveat: string;
}

type XAxisOption = AxisOption | CalibratedAxisOption;

interface ExplorerSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
  /** The visitor's saved calibrated predictors (in the app: DataState's CalibratedState). */
  readonly calibrated: { readonly predictors: readonly CalibratedAxisSource[] };
}

export const CALIBRATED_GROUP = 'Your devices (calibrated)';
const CALIBRATED_PREFIX = 'calibrated:';

export function isCalibratedAxis(axis: XAxisOption): axis is CalibratedAxisOption {
  return 'predictorId' in axis;
}

const X_KINDS = new Set(['latency', 'flops', 'params']);

export function axisOptions(datasets: StoredDataset[], kinds: Set<string>): AxisOption[] {
  const options: AxisOption[] = [];
  for (const d of datasets) {
    if (d.space !== 'nb201') continue;
    for (const c of d.columns) {
      if (!kinds.has(c.kind) || c.device?.notADevice) continue;
      const name = c.label ?? c.device?.label ?? c.name;
      options.push({
        id: `${d.id}:${c.name}`,
        datasetId: d.id,
        column: c.name,
        label: `${name}${c.unit ? ` (${c.unit})` : ''}`,
        unit: c.unit,
        group: d.title,
        caveat: c.device?.caveat,
      });
    }
  }
  return options;
}

/** One x option per saved calibrated predictor, in the order given (newest first). */
export function calibratedAxisOptions(predictors: readonly CalibratedAxisSource[]): CalibratedAxisOption[] {
  return predictors.map((p) => {
    const { heldOut } = p.validation;
    const measured = `${p.reference.length} measured cell${p.reference.length === 1 ? '' : 's'}`;
    const validated =
      heldOut.cells > 0 && Number.isFinite(heldOut.spearman) ? `held-out Spearman ρ ${heldOut.spearman.toFixed(3)} on ${heldOut.cells} more measured cells` : 'not checked on held-out cells';
    return {
      id: CALIBRATED_PREFIX + p.id,
      predictorId: p.id,
      name: p.name,
      label: `${p.name} (ms)`,
      title: `${p.name} (ms), predicted on ${p.device.label}`,
      unit: 'ms',
      deviceLabel: p.device.label,
      group: CALIBRATED_GROUP,
      caveat: `Predicted latency, not measured: calibrated on ${p.device.label} from ${measured}; ${validated}.`,
    };
  });
}

/**
 * The rows that can be on the Pareto front of `paretoFront(x, y)` (lower x, higher y), found in
 * O(n) so that the front's sort only sees a few hundred rows, not 15,625. The rows are binned by
 * x; a row is left out when a bin of smaller x values holds a y at least as high (that row comes
 * before it in the front's order and beats it). Every row the front keeps stays, and so does the
 * row that sets the best y before each of them, so the front of the rows kept is the same.
 */
export function frontCandidates(x: ArrayLike<number>, y: ArrayLike<number>, bins = 1024): Int32Array {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  // binOf[i]: the row's bin, -1 when it is not plotted; best[b]: the best y in bin b.
  const scale = hi > lo ? bins / (hi - lo) : 0;
  const binOf = new Int32Array(x.length);
  const best = new Float64Array(bins).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      binOf[i] = -1;
      continue;
    }
    const b = Math.min(bins - 1, Math.floor((x[i] - lo) * scale));
    binOf[i] = b;
    if (y[i] > best[b]) best[b] = y[i];
  }
  // before[b]: the best y in the bins left of b.
  const before = new Float64Array(bins);
  before[0] = -Infinity;
  for (let b = 1; b < bins; b++) before[b] = Math.max(before[b - 1], best[b - 1]);
  const rows = new Int32Array(x.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (binOf[i] >= 0 && y[i] > before[binOf[i]]) rows[n++] = i;
  return rows.slice(0, n);
}

export class ExplorerState {
  settings = $state(parseHash('', EXPLORER_PROPS));
  #source: ExplorerSource;
  // Arrays derived from a table, kept per table object: a reload that brings more tables but keeps
  // this one gives the same arrays, so the plot does not recompute or redraw.
  readonly #spread = new WeakMap<Table, Map<string, Float64Array>>();
  readonly #predicted = new WeakMap<CalibratedAxisSource, Float64Array>();
  readonly #maskedBy = new WeakMap<Float64Array, { connected: Float64Array; masked: Float64Array }>();

  constructor(source: ExplorerSource, hash = '') {
    this.#source = source;
    this.settings = parseHash(hash, EXPLORER_PROPS);
  }

  /** The tables' columns first (an unknown x falls back to the first of them), then the visitor's calibrated predictors. */
  readonly xOptions = $derived.by((): XAxisOption[] => [...axisOptions(this.#source.datasets, X_KINDS), ...calibratedAxisOptions(this.#source.calibrated.predictors)]);
  readonly yOptions = $derived.by(() => axisOptions(this.#source.datasets, new Set(['accuracy'])));
  /** The chosen options, or the first available one when the URL names a column we lack. */
  readonly xAxis = $derived(this.xOptions.find((o) => o.id === this.settings.x) ?? this.xOptions[0]);
  readonly yAxis = $derived(this.yOptions.find((o) => o.id === this.settings.y) ?? this.yOptions[0]);

  readonly connected = $derived(this.#values('nb201', 'connected'));
  /** The x axis title: the option's label, or for a calibrated predictor, which device it predicts. */
  readonly xTitle = $derived(this.xAxis ? (isCalibratedAxis(this.xAxis) ? this.xAxis.title : this.xAxis.label) : '');
  readonly xValues = $derived(this.#masked(this.xAxis && this.#axisValues(this.xAxis)));
  readonly yValues = $derived(this.#masked(this.yAxis && this.#axisValues(this.yAxis)));
  readonly front = $derived(this.xValues && this.yValues ? paretoFront(this.xValues, this.yValues, frontCandidates(this.xValues, this.yValues)) : []);
  readonly pinned = $derived(this.settings.pin >= 0 && this.settings.pin < NB201_NUM_CELLS ? this.settings.pin : null);

  get hash(): string {
    return formatHash(this.settings, EXPLORER_PROPS);
  }

  /**
   * The datasets the view shows, from the settings alone (before any table is loaded): NB201
   * (connectivity, and the cells the hover card names) and the axes' tables. They load first.
   */
  get shownDatasets(): string[] {
    const ids = ['nb201'];
    for (const axis of [this.settings.x, this.settings.y]) {
      const colon = axis.indexOf(':');
      const id = colon > 0 && !axis.startsWith(CALIBRATED_PREFIX) ? axis.slice(0, colon) : '';
      if (id && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  setX(id: string) {
    this.settings = { ...this.settings, x: id, zoom: [] };
  }
  setY(id: string) {
    this.settings = { ...this.settings, y: id, zoom: [] };
  }
  setCells(cells: 'all' | 'connected') {
    this.settings = { ...this.settings, cells };
  }
  setZoom(zoom: number[]) {
    this.settings = { ...this.settings, zoom };
  }
  pin(index: number | null) {
    this.settings = { ...this.settings, pin: index ?? -1 };
  }
  loadHash(hash: string) {
    this.settings = parseHash(hash, EXPLORER_PROPS);
  }

  #values(datasetId: string, column: string): Float64Array | undefined {
    const table = this.#source.tables[datasetId];
    if (!table || !table.columns[column]) return undefined;
    let spread = this.#spread.get(table);
    if (!spread) this.#spread.set(table, (spread = new Map()));
    let values = spread.get(column);
    if (!values) spread.set(column, (values = columnByIndex(table, column, NB201_NUM_CELLS)));
    return values;
  }

  /** Values by NB201 index: a table column, or a predictor's predictions (NaN where it predicts nothing: not drawn). */
  #axisValues(axis: XAxisOption): Float64Array | undefined {
    if (!isCalibratedAxis(axis)) return this.#values(axis.datasetId, axis.column);
    const predictor = this.#source.calibrated.predictors.find((p) => p.id === axis.predictorId);
    if (!predictor) return undefined;
    let values = this.#predicted.get(predictor);
    if (!values) this.#predicted.set(predictor, (values = Float64Array.from(predictor.predictions)));
    return values;
  }

  #masked(values: Float64Array | undefined): Float64Array | undefined {
    if (!values || this.settings.cells === 'all' || !this.connected) return values;
    const connected = this.connected;
    const kept = this.#maskedBy.get(values);
    if (kept?.connected === connected) return kept.masked;
    const masked = values.map((v, i) => (connected[i] === 1 ? v : NaN));
    this.#maskedBy.set(values, { connected, masked });
    return masked;
  }
}
