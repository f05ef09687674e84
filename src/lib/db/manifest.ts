/**
 * Reading `manifest.json` as hostile input: every field the ingest relies on is checked, and a
 * malformed dataset entry is set aside with one sentence saying what is wrong, so the other
 * datasets still import.
 */
import { FORMAT, type DatasetEntry, type Manifest, type MissingSource } from '../datasets/columns';

interface RejectedEntry {
  /** The entry's id when it has a readable one, else `datasets[k]`. */
  id: string;
  problem: string;
}

interface CheckedManifest extends Manifest {
  /** Entries left out because they are malformed. */
  rejected: RejectedEntry[];
}

const SPACES = new Set(['nb201', 'nb101', 'darts']);
const KINDS = new Set(['key', 'flag', 'accuracy', 'latency', 'flops', 'params', 'time', 'score']);
const DTYPES = new Set(['uint8', 'int8', 'uint16', 'int16', 'int32', 'float64']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A relative path of plain segments: no scheme, no leading slash, no `..`, so it stays beside the manifest. */
const SAFE_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const SHA256 = /^[0-9a-f]{64}$/;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

/** What is wrong with a column description, or undefined when it is usable. */
function columnProblem(col: unknown, k: number): string | undefined {
  if (!isObject(col)) return `columns[${k}] is not an object`;
  const name = typeof col.name === 'string' && col.name !== '' ? col.name : undefined;
  const where = name === undefined ? `columns[${k}]` : `column "${name.slice(0, 60)}"`;
  if (name === undefined) return `${where} has no name`;
  if (!KINDS.has(col.kind as string)) return `${where} has an unknown kind ${JSON.stringify(col.kind)}`;
  if (typeof col.unit !== 'string' || typeof col.description !== 'string') return `${where} needs a unit and a description`;
  if (!DTYPES.has(col.dtype as string)) return `${where} has an unknown dtype ${JSON.stringify(col.dtype)}`;
  if (typeof col.divisor !== 'number' || !(col.divisor > 0) || !Number.isFinite(col.divisor)) return `${where} has a bad divisor`;
  if (col.missing !== null && typeof col.missing !== 'number') return `${where} has a bad missing-value sentinel`;
  if (!isCount(col.byteOffset)) return `${where} has a bad byteOffset`;
  if (col.label !== undefined && typeof col.label !== 'string') return `${where} has a malformed label`;
  if (col.device !== undefined && !(isObject(col.device) && typeof col.device.label === 'string')) return `${where} has a malformed device`;
  return undefined;
}

/** What is wrong with a dataset entry, or undefined when the ingest can use it. */
function entryProblem(entry: Json): string | undefined {
  if (typeof entry.id !== 'string' || !ID.test(entry.id)) return 'id must be 1-64 letters, digits, ".", "_" or "-"';
  if (typeof entry.title !== 'string') return 'title is missing';
  if (!SPACES.has(entry.space as string)) return `space ${JSON.stringify(entry.space)} is not nb201, nb101 or darts`;
  if (typeof entry.version !== 'string') return 'version is missing';
  if (!isCount(entry.rows)) return 'rows must be a whole number';
  if (typeof entry.file !== 'string' || !SAFE_PATH.test(entry.file)) return `file ${JSON.stringify(entry.file)} is not a plain relative path`;
  if (!isCount(entry.bytes) || !isCount(entry.rawBytes)) return 'bytes and rawBytes must be whole numbers';
  if (typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256)) return 'sha256 must be 64 lowercase hex digits';
  if (typeof entry.source !== 'string' || !isStringArray(entry.caveats)) return 'source or caveats are malformed';
  if (!Array.isArray(entry.columns) || entry.columns.length === 0) return 'it lists no columns';
  const names = new Set<string>();
  for (const [k, col] of entry.columns.entries()) {
    const problem = columnProblem(col, k);
    if (problem) return problem;
    const name = (col as Json).name as string;
    if (names.has(name)) return `column "${name.slice(0, 60)}" is listed twice`;
    names.add(name);
  }
  if (entry.keys !== undefined && !(isStringArray(entry.keys) && entry.keys.length === entry.rows)) {
    return `keys must be ${entry.rows} strings, one per row`;
  }
  return undefined;
}

/** Parses and checks a manifest; throws an Error naming `fileName` when it is unusable as a whole. */
export function parseManifest(text: string, fileName = 'manifest.json'): CheckedManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(json)) throw new Error(`${fileName} is not a JSON object`);
  if (json.format !== FORMAT) throw new Error(`${fileName} has format ${JSON.stringify(json.format)}; this app reads "${FORMAT}"`);
  if (!Array.isArray(json.datasets)) throw new Error(`${fileName} has no datasets list`);
  const datasets: DatasetEntry[] = [];
  const rejected: RejectedEntry[] = [];
  const ids = new Set<string>();
  json.datasets.forEach((entry: unknown, k) => {
    const id = isObject(entry) && typeof entry.id === 'string' && ID.test(entry.id) ? entry.id : `datasets[${k}]`;
    const problem = !isObject(entry) ? 'it is not an object' : ids.has(id) ? 'its id is listed twice' : entryProblem(entry);
    if (problem) rejected.push({ id, problem: `${fileName}: dataset ${id}: ${problem}` });
    else datasets.push(entry as unknown as DatasetEntry);
    ids.add(id);
  });
  const missing: MissingSource[] = Array.isArray(json.missing) ? json.missing.filter(isObject).map((m) => ({ id: String(m.id), file: String(m.file), problem: String(m.problem) })) : [];
  return { format: FORMAT, generatedAt: String(json.generatedAt ?? ''), datasets, missing, rejected };
}
