/**
 * The Search view's shareable settings (one property table serialised to the URL hash, as the
 * other views do), the checks the page makes before anything runs that need the tables (a limit
 * must admit at least one cell), and the progress line it shows. Keys carry an `s.` prefix
 * so they never collide with the other views' keys in the joined hash.
 */
import type { PropSpec } from '../state/url-hash';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { SearchResponse, SearchSettings } from '../workers/search-messages';
import { METHOD_PRESETS } from './presets';
import type { SearchDataset, SearchMethod } from './types';

export const SEARCH_METHODS = Object.keys(METHOD_PRESETS) as SearchMethod[];
export const SEARCH_DATASETS: SearchDataset[] = ['cifar100', 'cifar10', 'imagenet16-120'];

/** Each method as the form names it. */
export const METHOD_LABELS: Record<SearchMethod, string> = {
  'brp-nas': 'BRP-NAS (the paper)',
  'regression-gcn': "GCN regressor (the paper's ablation)",
  'brp-local': "BRP local (this app's, not the paper's)",
  evolution: 'regularised evolution',
  'local-search': 'local search',
  random: 'random search',
};

export const DATASET_LABELS: Record<SearchDataset, string> = { cifar100: 'CIFAR-100', cifar10: 'CIFAR-10 (selects on test: no validation split)', 'imagenet16-120': 'ImageNet16-120' };

export const SEARCH_PROPS = {
  /** The search method (types.ts SearchMethod). */
  's.method': { type: 'string', default: 'brp-nas', oneOf: SEARCH_METHODS } as PropSpec<string>,
  /** The method's preset (presets.ts); '' = the method's default (its first). */
  's.preset': { type: 'string', default: '' } as PropSpec<string>,
  's.dataset': { type: 'string', default: 'cifar100', oneOf: SEARCH_DATASETS } as PropSpec<string>,
  /** Queries (unique cells read from the benchmark); checked before a run, not here, so a bad one gets its message. */
  's.budget': { type: 'int', default: 100 } as PropSpec<number>,
  's.seed': { type: 'int', default: 0 } as PropSpec<number>,
  /** The latency device: `<dataset>:<column>` of a latency table, or `calibrated:<id>`; '' = none. */
  's.device': { type: 'string', default: '' } as PropSpec<string>,
  /** The latency limit (ms) on that device; '' = no limit. Text, so that 2.5 survives and a bad value gets a message. */
  's.ms': { type: 'string', default: '' } as PropSpec<string>,
  /** 1 = Pareto mode (accuracy against the device's latency, no limit). */
  's.pareto': { type: 'int', default: 0 } as PropSpec<number>,
};

export interface SearchProps {
  's.method': string;
  's.preset': string;
  's.dataset': string;
  's.budget': number;
  's.seed': number;
  's.device': string;
  's.ms': string;
  's.pareto': number;
}

/** The preset a run uses: the one named, or the method's default when none is. */
export function presetOf(props: SearchProps): string {
  return props['s.preset'] || METHOD_PRESETS[props['s.method'] as SearchMethod]?.[0] || 'default';
}

/** The limit in ms, NaN when the text is not a number; null when there is none. */
export function limitOf(props: SearchProps): number | null {
  const text = props['s.ms'].trim();
  return text === '' ? null : Number(text);
}

/**
 * The settings the worker receives. `deviceLabel` is what the constraint says it is (the device
 * as the user sees it). The values are passed through unchecked: `checkSearchSettings` names a bad one.
 */
export function settingsOf(props: SearchProps, deviceLabel: string): SearchSettings {
  const ms = limitOf(props);
  const pareto = props['s.pareto'] === 1;
  return {
    method: props['s.method'] as SearchMethod,
    config: presetOf(props),
    dataset: props['s.dataset'] as SearchDataset,
    budget: props['s.budget'],
    seed: props['s.seed'],
    constraint: ms === null || pareto ? null : { device: deviceLabel, ms },
    pareto,
  };
}

/** The URL properties that give back a stored run's settings (to resume or show it). */
export function propsOf(settings: SearchSettings, deviceId: string | null): SearchProps {
  return {
    's.method': settings.method,
    's.preset': settings.config === METHOD_PRESETS[settings.method]?.[0] ? '' : settings.config,
    's.dataset': settings.dataset,
    's.budget': settings.budget,
    's.seed': settings.seed,
    's.device': deviceId ?? '',
    's.ms': settings.constraint ? String(settings.constraint.ms) : '',
    's.pareto': settings.pareto ? 1 : 0,
  };
}

/** Whether these props need a latency device (a limit or Pareto mode). */
export function needsDevice(props: SearchProps): boolean {
  return props['s.pareto'] === 1 || limitOf(props) !== null;
}

/** A latency in ms the way messages print it: 3 significant digits, no trailing zeros. */
export function formatMs(ms: number): string {
  return `${Number(ms.toPrecision(3))} ms`;
}

export type SearchProgress = Extract<SearchResponse, { type: 'search-progress' }>;

const PHASES = { latency: 'training the latency predictor', train: 'training', rank: 'ranking every cell', select: 'choosing the next cells' };

/** "1 min 10 s", "40 s", "< 1 s". */
export function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return '< 1 s';
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** "iteration 2 of 5 · training epoch 31/60 · 40 queried · ETA 1 min 10 s". */
export function progressText(p: SearchProgress): string {
  const epoch = p.epochs ? ` epoch ${(p.epoch ?? 0) + 1}/${p.epochs}` : '';
  const eta = p.etaMs === null ? 'ETA after the first iteration' : `ETA ${formatEta(p.etaMs)}`;
  return `iteration ${Math.min(p.iteration + 1, p.iterations)} of ${p.iterations} · ${PHASES[p.phase]}${epoch} · ${p.queried} queried · ${eta}`;
}

/** Cells in the space (for the budget's upper end in messages and inputs). */
export const SPACE_SIZE = NB201_NUM_CELLS;
