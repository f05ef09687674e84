/**
 * Explorer view state: which columns are on the axes, the pinned cell and the zoom, all mirrored
 * in the URL hash so a view can be shared. Derived arrays are spread over the 15,625 NB201 indices.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import { paretoFront } from '../search/pareto';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { formatHash, parseHash, type PropSpec } from './url-hash';

export const EXPLORER_PROPS = {
  /** x axis: `<dataset id>:<column>`, a latency, FLOPs or params column. */
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

export interface ExplorerSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
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

export class ExplorerState {
  settings = $state(parseHash('', EXPLORER_PROPS));
  #source: ExplorerSource;

  constructor(source: ExplorerSource, hash = '') {
    this.#source = source;
    this.settings = parseHash(hash, EXPLORER_PROPS);
  }

  readonly xOptions = $derived.by(() => axisOptions(this.#source.datasets, X_KINDS));
  readonly yOptions = $derived.by(() => axisOptions(this.#source.datasets, new Set(['accuracy'])));
  /** The chosen options, or the first available one when the URL names a column we lack. */
  readonly xAxis = $derived(this.xOptions.find((o) => o.id === this.settings.x) ?? this.xOptions[0]);
  readonly yAxis = $derived(this.yOptions.find((o) => o.id === this.settings.y) ?? this.yOptions[0]);

  readonly connected = $derived(this.#values('nb201', 'connected'));
  readonly xValues = $derived(this.#masked(this.xAxis));
  readonly yValues = $derived(this.#masked(this.yAxis));
  readonly front = $derived(this.xValues && this.yValues ? paretoFront(this.xValues, this.yValues) : []);
  readonly pinned = $derived(this.settings.pin >= 0 && this.settings.pin < NB201_NUM_CELLS ? this.settings.pin : null);

  get hash(): string {
    return formatHash(this.settings, EXPLORER_PROPS);
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
    return columnByIndex(table, column, NB201_NUM_CELLS);
  }

  #masked(axis: AxisOption | undefined): Float64Array | undefined {
    if (!axis) return undefined;
    const values = this.#values(axis.datasetId, axis.column);
    if (!values || this.settings.cells === 'all' || !this.connected) return values;
    const connected = this.connected;
    return values.map((v, i) => (connected[i] === 1 ? v : NaN));
  }
}
