/**
 * How a trained predictor is kept outside memory: its provenance (what it was trained on, how,
 * where), a compact weight layout for IndexedDB and transfers (Float32Array per weight), and the
 * export file (JSON text, weights as base64 float32 little-endian: exact and ~4× smaller than
 * decimal numbers). Files and stored records are hostile input: every reader names what is wrong.
 */
import { EAGLE_NB201_FEATURES, NB201_NUM_CELLS } from '../spaces/nb201.ts';
import { validateConfig, type PredictorConfig } from './config.ts';
import { restorePredictor, SERIALIZED_FORMAT, SERIALIZED_VERSION, type Normalisation, type Predictor, type SerializedPredictor } from './predictor.ts';

export const PREDICTOR_FILE_FORMAT = 'brp-nas-lab/predictor-file';
export const PREDICTOR_FILE_VERSION = 1;
/** Longest export file accepted (characters; the file is ASCII, so also bytes). A 4×600 GCN is ≈ 6 MB. */
export const MAX_PREDICTOR_FILE_CHARS = 64 * 1024 * 1024;
/** Longest name, label or id string accepted in a provenance (characters). */
const MAX_TEXT = 200;

/** The table column a predictor was trained to predict. */
export interface PredictionTarget {
  /** Stored dataset id, e.g. 'latbench'. */
  datasetId: string;
  /** Column name, e.g. 'desktop_cpu_i7_7820x_fp32'. */
  column: string;
  /** Human label of the column. */
  label: string;
  /** Unit of the column's values, e.g. 'ms' or '%'. */
  unit: string;
}

/** Where a predictor came from: enough to reproduce its training run. */
export interface PredictorProvenance {
  space: 'nb201';
  /** Name the user gave it. */
  name: string;
  kind: 'regression' | 'brp';
  target: PredictionTarget;
  /** `version` of the stored dataset the targets were read from. */
  datasetVersion: string;
  /** NB201 indices of the training cells, in the order they were given. */
  trainIndices: number[];
  /** NB201 indices of the validation cells; empty = validated on the training cells. */
  valIndices: number[];
  config: PredictorConfig;
  /** The run's seed (= config.seed): weight init, shuffling, dropout masks. */
  seed: number;
  /** tfjs backend it was trained on. */
  backend: string;
  /** Workers that computed each batch (data-parallel training); absent in files from before it existed (1). */
  workers?: number;
  /** Training wall time without pauses (ms). */
  wallMs: number;
  epochsRun: number;
  /** 0-based epoch with the lowest validation sum. */
  bestEpoch: number;
  /** When training finished, ms since the epoch. */
  createdAt: number;
}

/** {@link SerializedPredictor} with each weight's values as a Float32Array (IndexedDB, transfers). */
export interface PackedPredictor {
  kind: SerializedPredictor['kind'];
  features: number;
  config: PredictorConfig;
  normalisation: Normalisation | null;
  weights: { name: string; shape: number[]; values: Float32Array }[];
}

export function packPredictor(serialized: SerializedPredictor): PackedPredictor {
  return {
    kind: serialized.kind,
    features: serialized.features,
    config: { ...serialized.config },
    normalisation: serialized.normalisation ? { ...serialized.normalisation } : null,
    weights: serialized.weights.map((w) => ({ name: w.name, shape: [...w.shape], values: Float32Array.from(w.values) })),
  };
}

/** {@link packPredictor} of a live predictor, its weights read with `await data()` (no synchronous GPU read). */
export async function packPredictorAsync(predictor: Predictor): Promise<PackedPredictor> {
  return packPredictor(await predictor.serializeAsync());
}

/**
 * Rebuilds a live predictor from a packed one (e.g. read from IndexedDB), checking everything as
 * {@link restorePredictor} does plus the NB201 feature width; throws one message naming the problem.
 */
export function restorePacked(packed: PackedPredictor, source: string): Predictor {
  if (typeof packed !== 'object' || packed === null) throw new Error(`${source}: expected a stored predictor`);
  if (!Array.isArray(packed.weights)) throw new Error(`${source}: 'weights' must be an array`);
  const weights = packed.weights.map((w, i) => {
    if (!w || !(w.values instanceof Float32Array)) throw new Error(`${source}: weights[${i}] has no Float32Array 'values'`);
    return { name: w.name, shape: w.shape, values: Array.from(w.values) };
  });
  const serialized = { format: SERIALIZED_FORMAT, version: SERIALIZED_VERSION, kind: packed.kind, features: packed.features, config: packed.config, normalisation: packed.normalisation, weights };
  return restoreNb201Predictor(serialized, source);
}

/** {@link restorePredictor} that also insists on the NB201 encoding's feature width. */
export function restoreNb201Predictor(data: unknown, source: string): Predictor {
  const features = (data as { features?: unknown } | null)?.features;
  if (typeof features === 'number' && features !== EAGLE_NB201_FEATURES.length) {
    throw new Error(`${source}: built for ${features} node features, the NB201 encoding has ${EAGLE_NB201_FEATURES.length}`);
  }
  return restorePredictor(data, source);
}

function fail(source: string, field: string, expected: string, value: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 40) ?? String(value);
  } catch {
    shown = typeof value;
  }
  throw new Error(`${source}: '${field}' must be ${expected}, got ${shown}`);
}

function checkText(source: string, field: string, value: unknown, allowEmpty = false): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT || (!allowEmpty && value.length === 0)) {
    fail(source, field, `a${allowEmpty ? '' : ' non-empty'} string of at most ${MAX_TEXT} characters`, value);
  }
  return value as string;
}

function checkCount(source: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(source, field, `an integer ≥ ${min}`, value);
  return value as number;
}

/** Distinct NB201 indices (integers 0..15624). */
export function checkIndices(source: string, field: string, value: unknown): number[] {
  if (!Array.isArray(value)) fail(source, field, 'an array of NB201 indices', value);
  const seen = new Set<number>();
  (value as unknown[]).forEach((index, k) => {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= NB201_NUM_CELLS) {
      fail(source, `${field}[${k}]`, `an NB201 index 0..${NB201_NUM_CELLS - 1}`, index);
    }
    if (seen.has(index as number)) throw new Error(`${source}: '${field}' lists NB201 index ${index} twice`);
    seen.add(index as number);
  });
  return [...(value as number[])];
}

/** Checks a provenance (from a file or a stored record) field by field and returns a clean copy. */
export function checkProvenance(data: unknown, source = 'provenance'): PredictorProvenance {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`${source}: expected an object`);
  const p = data as Record<string, unknown>;
  if (p.space !== 'nb201') fail(source, 'space', "'nb201'", p.space);
  if (p.kind !== 'regression' && p.kind !== 'brp') fail(source, 'kind', "'regression' or 'brp'", p.kind);
  const t = p.target as Record<string, unknown> | null;
  if (typeof t !== 'object' || t === null) fail(source, 'target', 'an object { datasetId, column, label, unit }', t);
  const target: PredictionTarget = {
    datasetId: checkText(source, 'target.datasetId', t!.datasetId),
    column: checkText(source, 'target.column', t!.column),
    label: checkText(source, 'target.label', t!.label, true),
    unit: checkText(source, 'target.unit', t!.unit, true),
  };
  const config = validateConfig(p.config, `${source}: config`);
  if (p.seed !== config.seed) fail(source, 'seed', `config.seed (${config.seed})`, p.seed);
  if (typeof p.wallMs !== 'number' || !Number.isFinite(p.wallMs) || p.wallMs < 0) fail(source, 'wallMs', 'a non-negative number of ms', p.wallMs);
  if (typeof p.createdAt !== 'number' || !Number.isFinite(p.createdAt) || p.createdAt < 0) fail(source, 'createdAt', 'a time in ms since 1970', p.createdAt);
  return {
    space: 'nb201',
    name: checkText(source, 'name', p.name),
    kind: p.kind as PredictorProvenance['kind'],
    target,
    datasetVersion: checkText(source, 'datasetVersion', p.datasetVersion, true),
    trainIndices: checkIndices(source, 'trainIndices', p.trainIndices),
    valIndices: checkIndices(source, 'valIndices', p.valIndices),
    config,
    seed: config.seed,
    backend: checkText(source, 'backend', p.backend),
    ...(p.workers === undefined ? {} : { workers: checkCount(source, 'workers', p.workers, 1) }),
    wallMs: p.wallMs as number,
    epochsRun: checkCount(source, 'epochsRun', p.epochsRun, 0),
    bestEpoch: checkCount(source, 'bestEpoch', p.bestEpoch, -1),
    createdAt: p.createdAt as number,
  };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i;

/** Float32 values as little-endian bytes in base64 (with '=' padding). */
export function float32ToBase64(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  const parts: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    line += BASE64[b0 >> 2] + BASE64[((b0 & 3) << 4) | (b1 >> 4)];
    line += i + 1 < bytes.length ? BASE64[((b1 & 15) << 2) | (b2 >> 6)] : '=';
    line += i + 2 < bytes.length ? BASE64[b2 & 63] : '=';
    // Joining many short strings once is far faster than growing one string a million times.
    if (line.length >= 4096) {
      parts.push(line);
      line = '';
    }
  }
  parts.push(line);
  return parts.join('');
}

/** Inverse of {@link float32ToBase64}; throws (naming `where`) on bad characters or a wrong length. */
export function base64ToFloat32(text: string, where: string): Float32Array {
  if (typeof text !== 'string' || text.length % 4 !== 0) throw new Error(`${where}: not base64 (length must be a multiple of 4)`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const byteLength = (text.length / 4) * 3 - padding;
  if (byteLength % 4 !== 0) throw new Error(`${where}: ${byteLength} bytes is not a whole number of float32 values`);
  const bytes = new Uint8Array(byteLength);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    let chunk = 0;
    for (let k = 0; k < 4; k++) {
      const code = text.charCodeAt(i + k);
      const isPad = code === 61 && i + k >= text.length - padding;
      const value = isPad ? 0 : code < 128 ? BASE64_VALUE[code] : -1;
      if (value < 0) throw new Error(`${where}: character ${i + k} ('${text[i + k]}') is not base64`);
      chunk = (chunk << 6) | value;
    }
    if (out < byteLength) bytes[out++] = (chunk >> 16) & 255;
    if (out < byteLength) bytes[out++] = (chunk >> 8) & 255;
    if (out < byteLength) bytes[out++] = chunk & 255;
  }
  const view = new DataView(bytes.buffer);
  const values = new Float32Array(byteLength / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** The export file: JSON text. `predictor` may be serialized or packed (any array-like values). */
export function writePredictorFile(
  predictor: Pick<PackedPredictor, 'kind' | 'features' | 'config' | 'normalisation'> & { weights: { name: string; shape: number[]; values: ArrayLike<number> }[] },
  provenance: PredictorProvenance,
): string {
  const file = {
    format: PREDICTOR_FILE_FORMAT,
    version: PREDICTOR_FILE_VERSION,
    provenance,
    predictor: {
      kind: predictor.kind,
      features: predictor.features,
      config: predictor.config,
      normalisation: predictor.normalisation,
      weights: predictor.weights.map((w) => ({ name: w.name, shape: w.shape, float32le: float32ToBase64(w.values) })),
    },
  };
  return JSON.stringify(file);
}

export interface PredictorFileContent {
  provenance: PredictorProvenance;
  /** Not yet checked beyond the file layout: restore it with {@link restorePacked}. */
  predictor: PackedPredictor;
}

/**
 * Parses an export file. Refuses (one message, prefixed with `source`) anything that is too
 * large, not JSON, of another format or version, or has a bad provenance or weight layout.
 * Weight values (NaN, shapes against the config) are checked when restoring.
 */
export function readPredictorFile(text: string, source = 'predictor file'): PredictorFileContent {
  if (typeof text !== 'string') throw new Error(`${source}: expected text`);
  if (text.length > MAX_PREDICTOR_FILE_CHARS) {
    throw new Error(`${source}: ${(text.length / 1024 / 1024).toFixed(0)} MB is larger than the ${MAX_PREDICTOR_FILE_CHARS / 1024 / 1024} MB a predictor file may have`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message.slice(0, 80)})`, { cause: err });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`${source}: expected a JSON object`);
  const d = data as Record<string, unknown>;
  if (d.format !== PREDICTOR_FILE_FORMAT) fail(source, 'format', `'${PREDICTOR_FILE_FORMAT}' (not a BRP-NAS Lab predictor file)`, d.format);
  if (d.version !== PREDICTOR_FILE_VERSION) {
    throw new Error(`${source}: unsupported version ${JSON.stringify(d.version)?.slice(0, 20)} (this build reads version ${PREDICTOR_FILE_VERSION})`);
  }
  const provenance = checkProvenance(d.provenance, `${source}: provenance`);
  const p = d.predictor as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null) fail(source, 'predictor', 'an object', p);
  if (p!.kind !== provenance.kind) fail(source, 'predictor.kind', `the provenance's kind '${provenance.kind}'`, p!.kind);
  if (typeof p!.features !== 'number') fail(source, 'predictor.features', 'a number', p!.features);
  const config = validateConfig(p!.config, `${source}: predictor.config`);
  if (JSON.stringify(config) !== JSON.stringify(provenance.config)) throw new Error(`${source}: 'predictor.config' differs from 'provenance.config'`);
  if (!Array.isArray(p!.weights)) fail(source, 'predictor.weights', 'an array', p!.weights);
  const weights = (p!.weights as unknown[]).map((w, i) => {
    const entry = w as Record<string, unknown> | null;
    const where = `${source}: predictor.weights[${i}]`;
    if (!entry || typeof entry.name !== 'string') throw new Error(`${where}: missing 'name'`);
    if (!Array.isArray(entry.shape)) throw new Error(`${where} ('${entry.name.slice(0, 40)}'): 'shape' must be an array`);
    if (typeof entry.float32le !== 'string') throw new Error(`${where} ('${entry.name.slice(0, 40)}'): 'float32le' must be a base64 string`);
    return { name: entry.name, shape: entry.shape as number[], values: base64ToFloat32(entry.float32le, `${where} ('${entry.name.slice(0, 40)}')`) };
  });
  return {
    provenance,
    predictor: {
      kind: provenance.kind,
      features: p!.features as number,
      config,
      normalisation: p!.normalisation as Normalisation | null,
      weights,
    },
  };
}
