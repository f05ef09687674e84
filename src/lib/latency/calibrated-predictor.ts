/**
 * A calibrated latency predictor as it is kept: what device and measurements it came from, how it
 * was fitted, how well it validated, and its prediction for every NB201 cell (ms by index; NaN =
 * not predicted). Keeping the predictions themselves (62 KB) makes it usable as a latency target
 * without the tables it was fitted from. Stored records and imported files are hostile input:
 * every reader names what is wrong.
 */
import { NB201_NUM_CELLS } from '../spaces/nb201.ts';
import { CALIBRATION_METHODS, type CalibrationMethod, type CandidateReport, type HeldOutScore, type MeasuredCell } from './calibration.ts';

export const CALIBRATED_FILE_FORMAT = 'brp-nas-lab/calibrated-latency-predictor';
const CALIBRATED_FILE_VERSION = 1;
/** Longest export file accepted (characters). A predictor is ≈ 90 KB. */
export const MAX_CALIBRATED_FILE_CHARS = 4 * 1024 * 1024;
const MAX_TEXT = 300;

interface CalibratedValidation {
  /** The chosen method on the held-out measured cells. */
  heldOut: HeldOutScore;
  flops: HeldOutScore;
  nearest: HeldOutScore & { device: string };
  /** Spearman between two passes over the same cells (the measurement's own repeatability). */
  repeatability: { cells: number; spearman: number | null };
}

export interface CalibratedPredictor {
  id: string;
  name: string;
  space: 'nb201';
  kind: 'calibrated-latency';
  createdAt: number;
  /** The measured device: its profile, backend and browser. */
  device: { profileId: string; label: string; backend: string; userAgent: string; tfjsVersion: string };
  method: CalibrationMethod;
  candidates: CandidateReport[];
  basis: { key: string; label: string; weight: number }[];
  /** `version` of every stored dataset the basis came from. */
  datasetVersions: Record<string, string>;
  /** The measured cells it was fitted on (ms). */
  reference: MeasuredCell[];
  validation: CalibratedValidation;
  /** Predicted ms per inference, by NB201 index; NaN where not predicted. */
  predictions: Float32Array;
}

/** The measured reference cells by NB201 index (ms; NaN where not measured): what a filter by the predictions is checked against. */
export function measuredByIndex(predictor: CalibratedPredictor): Float64Array {
  const measured = new Float64Array(NB201_NUM_CELLS).fill(Number.NaN);
  for (const cell of predictor.reference) measured[cell.index] = cell.ms;
  return measured;
}

/** Everything but the predictions: what a list shows. */
export type CalibratedSummary = Omit<CalibratedPredictor, 'predictions'> & { predictedCells: number };

export function summarise(predictor: CalibratedPredictor): CalibratedSummary {
  const { predictions, ...rest } = predictor;
  let predictedCells = 0;
  for (const v of predictions) if (Number.isFinite(v)) predictedCells++;
  return { ...rest, predictedCells };
}

/* ------------------------------------------------------------------ checks */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, where: string, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && v.length === 0) || v.length > MAX_TEXT) throw new Error(`${where} must be a string of ${allowEmpty ? 0 : 1}-${MAX_TEXT} characters`);
  return v;
}

function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where} must be a finite number`);
  return v;
}

/** A number, or NaN written as null (JSON has no NaN). */
function numberOrNaN(v: unknown, where: string): number {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return Number.NaN;
  return finite(v, where);
}

function score(v: unknown, where: string): HeldOutScore {
  if (!isObject(v)) throw new Error(`${where} must be an object`);
  const cells = finite(v.cells, `${where}.cells`);
  if (!Number.isInteger(cells) || cells < 0) throw new Error(`${where}.cells must be a non-negative integer`);
  return { cells, spearman: numberOrNaN(v.spearman, `${where}.spearman`), within10: numberOrNaN(v.within10, `${where}.within10`) };
}

function cellList(v: unknown, where: string): MeasuredCell[] {
  if (!Array.isArray(v) || v.length > NB201_NUM_CELLS) throw new Error(`${where} must be a list of at most ${NB201_NUM_CELLS} cells`);
  return v.map((c, k) => {
    if (!isObject(c)) throw new Error(`${where}[${k}] must be { index, ms }`);
    const index = finite(c.index, `${where}[${k}].index`);
    const ms = finite(c.ms, `${where}[${k}].ms`);
    if (!Number.isInteger(index) || index < 0 || index >= NB201_NUM_CELLS) throw new Error(`${where}[${k}].index must be an NB201 index (0-${NB201_NUM_CELLS - 1})`);
    if (!(ms > 0)) throw new Error(`${where}[${k}].ms must be positive`);
    return { index, ms };
  });
}

function method(v: unknown, where: string): CalibrationMethod {
  if (!(CALIBRATION_METHODS as readonly unknown[]).includes(v)) throw new Error(`${where} must be one of ${CALIBRATION_METHODS.join(', ')}`);
  return v as CalibrationMethod;
}

/** Checks everything but the predictions (a stored summary, or the head of a file) and returns a clean copy. */
function checkCalibratedHead(data: unknown, source: string): Omit<CalibratedPredictor, 'predictions'> {
  if (!isObject(data)) throw new Error(`${source}: expected a calibrated latency predictor`);
  if (data.kind !== 'calibrated-latency') throw new Error(`${source}: 'kind' must be 'calibrated-latency'`);
  if (data.space !== 'nb201') throw new Error(`${source}: 'space' must be 'nb201'`);
  const id = text(data.id, `${source}: 'id'`);
  if (id.length > 100) throw new Error(`${source}: 'id' must be at most 100 characters`);
  const createdAt = finite(data.createdAt, `${source}: 'createdAt'`);
  if (!isObject(data.device)) throw new Error(`${source}: 'device' must be an object`);
  const d = data.device;
  const device = {
    profileId: text(d.profileId, `${source}: device.profileId`),
    label: text(d.label, `${source}: device.label`),
    backend: text(d.backend, `${source}: device.backend`),
    userAgent: text(d.userAgent, `${source}: device.userAgent`, true),
    tfjsVersion: text(d.tfjsVersion, `${source}: device.tfjsVersion`, true),
  };
  if (!Array.isArray(data.candidates) || data.candidates.length === 0 || data.candidates.length > CALIBRATION_METHODS.length)
    throw new Error(`${source}: 'candidates' must list 1-${CALIBRATION_METHODS.length} methods`);
  const candidates: CandidateReport[] = data.candidates.map((c, k) => {
    if (!isObject(c)) throw new Error(`${source}: candidates[${k}] must be an object`);
    const report: CandidateReport = {
      method: method(c.method, `${source}: candidates[${k}].method`),
      looError: finite(c.looError, `${source}: candidates[${k}].looError`),
      looWithin10: finite(c.looWithin10, `${source}: candidates[${k}].looWithin10`),
    };
    if (c.looSe !== undefined) report.looSe = finite(c.looSe, `${source}: candidates[${k}].looSe`);
    if (c.lambda !== undefined) report.lambda = finite(c.lambda, `${source}: candidates[${k}].lambda`);
    if (c.device !== undefined) report.device = text(c.device, `${source}: candidates[${k}].device`);
    return report;
  });
  if (!Array.isArray(data.basis) || data.basis.length > 1000) throw new Error(`${source}: 'basis' must be a list of devices`);
  const basis = data.basis.map((b, k) => {
    if (!isObject(b)) throw new Error(`${source}: basis[${k}] must be an object`);
    return { key: text(b.key, `${source}: basis[${k}].key`), label: text(b.label, `${source}: basis[${k}].label`), weight: finite(b.weight, `${source}: basis[${k}].weight`) };
  });
  if (!isObject(data.datasetVersions)) throw new Error(`${source}: 'datasetVersions' must be an object`);
  const datasetVersions: Record<string, string> = {};
  for (const [k, v] of Object.entries(data.datasetVersions)) datasetVersions[text(k, `${source}: a datasetVersions key`)] = text(v, `${source}: datasetVersions.${k}`);
  if (!isObject(data.validation)) throw new Error(`${source}: 'validation' must be an object`);
  const val = data.validation;
  if (!isObject(val.repeatability) || !isObject(val.nearest)) throw new Error(`${source}: validation must have 'nearest' and 'repeatability'`);
  const repeatCells = finite(val.repeatability.cells, `${source}: validation.repeatability.cells`);
  const repeatRho = val.repeatability.spearman === null ? null : finite(val.repeatability.spearman, `${source}: validation.repeatability.spearman`);
  const validation: CalibratedValidation = {
    heldOut: score(val.heldOut, `${source}: validation.heldOut`),
    flops: score(val.flops, `${source}: validation.flops`),
    nearest: { ...score(val.nearest, `${source}: validation.nearest`), device: text(val.nearest.device, `${source}: validation.nearest.device`) },
    repeatability: { cells: repeatCells, spearman: repeatRho },
  };
  return {
    id,
    name: text(data.name, `${source}: 'name'`),
    space: 'nb201',
    kind: 'calibrated-latency',
    createdAt,
    device,
    method: method(data.method, `${source}: 'method'`),
    candidates,
    basis,
    datasetVersions,
    reference: cellList(data.reference, `${source}: 'reference'`),
    validation,
  };
}

/** Checks a whole predictor (e.g. read back from IndexedDB) and returns a clean copy. */
export function checkCalibrated(data: unknown, source: string): CalibratedPredictor {
  const head = checkCalibratedHead(data, source);
  const predictions = (data as { predictions?: unknown }).predictions;
  if (!(predictions instanceof Float32Array) || predictions.length !== NB201_NUM_CELLS) throw new Error(`${source}: 'predictions' must be ${NB201_NUM_CELLS} float32 values`);
  for (let i = 0; i < predictions.length; i++) {
    const v = predictions[i];
    if (!Number.isNaN(v) && !(v > 0 && Number.isFinite(v))) throw new Error(`${source}: prediction of cell #${i} is ${v}; each must be a positive number of ms or NaN`);
  }
  return { ...head, predictions: Float32Array.from(predictions) };
}

/* ------------------------------------------------------------------ the file */

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(textValue: string, where: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(textValue)) throw new Error(`${where} is not base64`);
  const binary = atob(textValue);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The export file: JSON, predictions as base64 float32 little-endian (exact, NaN kept). */
export function calibratedToFile(predictor: CalibratedPredictor): string {
  const bytes = new Uint8Array(predictor.predictions.length * 4);
  const view = new DataView(bytes.buffer);
  predictor.predictions.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const { predictions: _predictions, ...head } = predictor;
  return JSON.stringify({ format: CALIBRATED_FILE_FORMAT, version: CALIBRATED_FILE_VERSION, predictor: { ...head, predictions: toBase64(bytes) } }, (_key, value) =>
    typeof value === 'number' && Number.isNaN(value) ? null : value,
  );
}

/** Reads an export file; throws one message naming the file and the problem, returns nothing partial. */
export function parseCalibratedFile(textValue: string, fileName = 'predictor file'): CalibratedPredictor {
  if (textValue.length > MAX_CALIBRATED_FILE_CHARS)
    throw new Error(`${fileName} is ${(textValue.length / 1e6).toFixed(1)} MB; a calibrated predictor file is at most ${MAX_CALIBRATED_FILE_CHARS / 1024 / 1024} MB`);
  let json: unknown;
  try {
    json = JSON.parse(textValue);
  } catch (error) {
    throw new Error(`${fileName} is not JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(json) || json.format !== CALIBRATED_FILE_FORMAT) throw new Error(`${fileName} is not a calibrated latency predictor (format must be "${CALIBRATED_FILE_FORMAT}")`);
  if (json.version !== CALIBRATED_FILE_VERSION) throw new Error(`${fileName} has version ${JSON.stringify(json.version)}; this app reads version ${CALIBRATED_FILE_VERSION}`);
  if (!isObject(json.predictor)) throw new Error(`${fileName}: 'predictor' must be an object`);
  const head = checkCalibratedHead(json.predictor, fileName);
  const encoded = json.predictor.predictions;
  if (typeof encoded !== 'string') throw new Error(`${fileName}: 'predictions' must be base64 text`);
  const bytes = fromBase64(encoded, `${fileName}: 'predictions'`);
  if (bytes.length !== NB201_NUM_CELLS * 4) throw new Error(`${fileName}: 'predictions' holds ${bytes.length} bytes; ${NB201_NUM_CELLS} float32 values are ${NB201_NUM_CELLS * 4}`);
  const view = new DataView(bytes.buffer);
  const predictions = Float32Array.from({ length: NB201_NUM_CELLS }, (_, i) => view.getFloat32(i * 4, true));
  return checkCalibrated({ ...head, predictions }, fileName);
}
