/**
 * Latency measurements taken in this browser (or imported from a CSV) in the `measurements` and
 * `profiles` stores of schema v1; no migration is needed.
 * - `measurements`: one record per measured cell (auto-increment key), indexed by device profile
 *   (`profileId`, from `deviceProfile(environment)`) and by cell (`archIndex`, the NB201 index).
 * - `profiles`: `device:<profileId>` records (label, backend, the environment first seen) and
 *   `run:<runId>` records (one profiling run's summary: timing, leak check, reference drift).
 * Every write is one transaction: a run's cell, an import, a deletion land whole or not at all.
 * Records read back are checked (IndexedDB may hold stale or edited data); bad ones are skipped
 * and named in `problems`.
 */
import { isMeasurementBackend, deviceProfile, type MeasurementBackend, type MeasurementEnvironment } from '../latency/environment';
import { archStrToOps, NB201_NUM_CELLS, type OpCode } from '../spaces/nb201';
import { StoreError, toStoreError } from './errors';
import { Connection } from './connection';
import { openOrMemory } from './open';
import type { KeyedRecord, LabDatabase, MeasurementRow, Migration } from './schema';

const DEVICE_PREFIX = 'device:';
const RUN_PREFIX = 'run:';
const range = (prefix: string) => IDBKeyRange.bound(prefix, `${prefix}\uffff`);

/** One measured cell as stored. */
export interface StoredMeasurement extends MeasurementRow {
  id?: number;
  /** `deviceProfile(environment).id`. */
  profileId: string;
  /** Official NB201 index of the cell. */
  archIndex: number;
  /** The profiling run (or import) it came from. */
  runId: string;
  source: 'measured' | 'imported';
  archStr: string;
  ops: OpCode[];
  backend: MeasurementBackend;
  /** Per-inference latency, ms. */
  medianMs: number;
  iqrMs: number;
  /** Per-inference latencies, ms; empty when an import carried only the summary. */
  samples: number[];
  /** Inferences per sample. */
  k: number;
  /** First inference on the fresh model, ms. */
  coldMs: number | null;
  /** Profiler details, null for imports (the CSV does not carry them). */
  warmupRuns: number | null;
  warmupStable: boolean | null;
  discardedHidden: number | null;
  environment: MeasurementEnvironment;
}

export type NewMeasurement = Omit<StoredMeasurement, 'id' | 'profileId'>;

interface DeviceProfileRecord {
  /** `deviceProfile(environment).id`. */
  id: string;
  label: string;
  backend: MeasurementBackend;
  /** The environment of the first measurement stored for it. */
  environment: MeasurementEnvironment;
  /** ms since 1970. */
  createdAt: number;
  updatedAt: number;
}

/** A device profile with what is stored for it. */
export interface ProfileSummary extends DeviceProfileRecord {
  /** Stored measurements (a cell measured twice counts twice). */
  measurements: number;
  /** Distinct cells. */
  cells: number;
}

/** One profiling run, as the UI shows it after a reload. */
export interface RunRecord {
  runId: string;
  profileId: string;
  backend: MeasurementBackend;
  /** Where the timing loop ran. */
  thread: 'worker' | 'main';
  /** Threads the WASM backend ran with; null on other backends or when unknown. */
  wasmThreads: number | null;
  /** What was measured ('calibrate': a pass of "Calibrate this device"). */
  set: 'reference' | 'random' | 'calibrate';
  /** ms since 1970. */
  startedAt: number;
  /** Cells requested and cells finished. */
  requested: number;
  measured: number;
  /** Wall time of the run, ms (pauses and hidden time included). */
  elapsedMs: number;
  /** Tensors left alive after the run (0 = no leak); null when unknown. */
  leakedTensors: number | null;
  cancelled: boolean;
  /** Why the run stopped early, when it failed. */
  error: string | null;
  /** The drift reference cell and its per-inference latencies over the run, ms. */
  reference: { archStr: string; driftMs: number[] } | null;
  settings: { minSamples: number; warmupMinRuns: number; warmupMaxMs: number };
}

interface DeviceRow extends KeyedRecord {
  device: DeviceProfileRecord;
}

interface RunRow extends KeyedRecord {
  run: RunRecord;
}

interface AddResult {
  /** Keys of the records added, in input order (skipped duplicates have none). */
  ids: number[];
  /** Records already stored (same device profile, cell, time and median), left out. */
  skipped: number;
  /** Device profiles the added records belong to. */
  profileIds: string[];
}

export interface MeasurementStore {
  readonly mode: 'indexeddb' | 'memory';
  /** Adds measurements (creating their device profiles) in one transaction; duplicates of stored ones are skipped. */
  add(entries: readonly NewMeasurement[]): Promise<AddResult>;
  saveRun(run: RunRecord): Promise<void>;
  /** Device profiles, most recently updated first. */
  listProfiles(): Promise<{ profiles: ProfileSummary[]; problems: string[] }>;
  /** A profile's measurements, oldest first. */
  measurements(profileId: string): Promise<{ entries: StoredMeasurement[]; problems: string[] }>;
  /** Runs, newest first; of one profile when `profileId` is given. */
  runs(profileId?: string): Promise<RunRecord[]>;
  /** Removes a profile with its measurements and runs; returns how many measurements went. */
  deleteProfile(profileId: string): Promise<number>;
  close(): void;
}

/** Throws one sentence naming the first problem of an entry about to be stored. */
function checkNewMeasurement(entry: NewMeasurement, where = 'measurement'): void {
  const fail = (problem: string): never => {
    throw new StoreError('bad-data', `${where}: ${problem}; nothing was stored`);
  };
  if (typeof entry !== 'object' || entry === null) fail('expected an object');
  if (!Number.isInteger(entry.archIndex) || entry.archIndex < 0 || entry.archIndex >= NB201_NUM_CELLS) fail(`archIndex ${String(entry.archIndex)} is not an NB201 index`);
  let ops: OpCode[] = [];
  try {
    ops = archStrToOps(entry.archStr);
  } catch {
    fail(`'${String(entry.archStr).slice(0, 100)}' is not an NB201 arch string`);
  }
  if (!Array.isArray(entry.ops) || entry.ops.length !== 6 || entry.ops.some((op, k) => op !== ops[k])) fail(`ops [${String(entry.ops)}] do not spell ${entry.archStr}`);
  if (!isMeasurementBackend(entry.backend)) fail(`unknown backend '${String(entry.backend)}'`);
  if (entry.environment?.backend !== entry.backend) fail(`measured on ${entry.backend}, but its environment says ${String(entry.environment?.backend)}`);
  if (typeof entry.runId !== 'string' || entry.runId.length === 0) fail('runId is missing');
  if (entry.source !== 'measured' && entry.source !== 'imported') fail(`source must be 'measured' or 'imported'`);
  if (!(entry.medianMs > 0) || !Number.isFinite(entry.medianMs)) fail(`median ${entry.medianMs} ms is not a positive number`);
  if (!(entry.iqrMs >= 0) || !Number.isFinite(entry.iqrMs)) fail(`IQR ${entry.iqrMs} ms is not zero or more`);
  if (!Array.isArray(entry.samples) || entry.samples.some((s) => !(s > 0) || !Number.isFinite(s))) fail('samples must be positive numbers of ms');
  if (!Number.isInteger(entry.k) || entry.k < 1) fail(`k ${entry.k} is not a positive whole number`);
  if (entry.coldMs !== null && !(entry.coldMs > 0)) fail(`cold run ${entry.coldMs} ms is not positive`);
}

/** Checks a measurement read back from storage; returns it typed, or throws one sentence. */
function checkStoredMeasurement(data: unknown, source: string): StoredMeasurement {
  const entry = data as StoredMeasurement;
  if (typeof entry !== 'object' || entry === null) throw new Error(`${source}: not a measurement record`);
  checkNewMeasurement(entry, source);
  if (entry.profileId !== deviceProfile(entry.environment).id) throw new Error(`${source}: its profile id does not match its environment`);
  return entry;
}

function checkRun(run: RunRecord): void {
  if (typeof run?.runId !== 'string' || !run.runId || typeof run.profileId !== 'string' || !run.profileId) {
    throw new StoreError('bad-data', 'a run record needs a runId and a profileId; nothing was stored');
  }
}

/** Same cell, profile, start time and median (to the 9 digits a CSV keeps): the same measurement. */
function identity(entry: Pick<StoredMeasurement, 'profileId' | 'archStr' | 'medianMs' | 'environment'>): string {
  return `${entry.profileId}\u0000${entry.archStr}\u0000${entry.environment.measuredAt}\u0000${Number(entry.medianMs.toPrecision(9))}`;
}

/** The records not already in `seen` (nor repeated within the batch), and how many were left out; `seen` gains the kept ones. */
function withoutDuplicates(records: readonly StoredMeasurement[], seen: Set<string>): { fresh: StoredMeasurement[]; skipped: number } {
  const fresh: StoredMeasurement[] = [];
  for (const record of records) {
    const key = identity(record);
    if (seen.has(key)) continue;
    seen.add(key);
    fresh.push(record);
  }
  return { fresh, skipped: records.length - fresh.length };
}

/** The records to add (with their profile ids) and the profiles to create or touch. */
function plan(entries: readonly NewMeasurement[], now: number) {
  entries.forEach((entry, i) => checkNewMeasurement(entry, `measurement ${i + 1} (${String(entry?.archStr).slice(0, 100)})`));
  const records = entries.map((entry, i) => {
    try {
      return { ...structuredClone(entry), profileId: deviceProfile(entry.environment).id } as StoredMeasurement;
    } catch (error) {
      throw new StoreError('bad-data', `measurement ${i + 1} (${entry.archStr}) holds a value that cannot be stored (${(error as Error).message}); nothing was stored`);
    }
  });
  const devices = new Map<string, DeviceProfileRecord>();
  for (const record of records) {
    if (devices.has(record.profileId)) continue;
    const { id, label } = deviceProfile(record.environment);
    devices.set(id, { id, label, backend: record.backend, environment: record.environment, createdAt: now, updatedAt: now });
  }
  return { records, devices };
}

function summarise(device: DeviceProfileRecord, entries: readonly StoredMeasurement[]): ProfileSummary {
  return { ...device, measurements: entries.length, cells: new Set(entries.map((e) => e.archIndex)).size };
}

const byUpdate = (a: ProfileSummary, b: ProfileSummary) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1);
const byStart = (a: RunRecord, b: RunRecord) => b.startedAt - a.startedAt || (a.runId < b.runId ? -1 : 1);

export class IdbMeasurementStore implements MeasurementStore {
  readonly mode = 'indexeddb';
  readonly #conn: Connection;
  readonly #now: () => number;

  constructor(db: LabDatabase, now: () => number = Date.now) {
    this.#conn = new Connection(db);
    this.#now = now;
  }

  #connection(): LabDatabase {
    return this.#conn.get();
  }

  async add(entries: readonly NewMeasurement[]): Promise<AddResult> {
    const { records, devices } = plan(entries, this.#now());
    const action = `store ${records.length} latency measurement${records.length === 1 ? '' : 's'}`;
    let tx;
    try {
      tx = this.#connection().transaction(['measurements', 'profiles'], 'readwrite');
    } catch (error) {
      throw toStoreError(error, { action, write: true });
    }
    tx.done.catch(() => {}); // awaited below; a failure is reported once, from the catch
    try {
      const measurements = tx.objectStore('measurements');
      const profiles = tx.objectStore('profiles');
      const seen = new Set<string>();
      for (const profileId of devices.keys()) {
        const stored = (await measurements.index('byProfile').getAll(profileId)) as StoredMeasurement[];
        for (const s of stored) if (s.environment && typeof s.medianMs === 'number') seen.add(identity(s));
        const existing = (await profiles.get(DEVICE_PREFIX + profileId)) as DeviceRow | undefined;
        const device = devices.get(profileId)!;
        const kept = existing?.device ? { ...existing.device, updatedAt: device.updatedAt } : device;
        const row: DeviceRow = { id: DEVICE_PREFIX + profileId, device: kept };
        await profiles.put(row);
      }
      const ids: number[] = [];
      const { fresh, skipped } = withoutDuplicates(records, seen);
      for (const record of fresh) ids.push(await measurements.add(record));
      await tx.done;
      return { ids, skipped, profileIds: [...devices.keys()] };
    } catch (error) {
      // A request that throws (e.g. DataCloneError) leaves the transaction open: abort it, so
      // nothing of the batch is committed.
      try {
        tx.abort();
      } catch {
        // Already finished or aborted: nothing to undo.
      }
      throw toStoreError(error, { action, write: true });
    }
  }

  async saveRun(run: RunRecord): Promise<void> {
    checkRun(run);
    try {
      const row: RunRow = { id: RUN_PREFIX + run.runId, run: structuredClone(run) };
      await this.#connection().put('profiles', row);
    } catch (error) {
      throw toStoreError(error, { action: 'store the run summary', write: true });
    }
  }

  async listProfiles(): Promise<{ profiles: ProfileSummary[]; problems: string[] }> {
    try {
      const tx = this.#connection().transaction(['measurements', 'profiles']);
      const rows = (await tx.objectStore('profiles').getAll(range(DEVICE_PREFIX))) as DeviceRow[];
      const profiles: ProfileSummary[] = [];
      const problems: string[] = [];
      for (const row of rows) {
        const device = row.device;
        if (!device || typeof device.id !== 'string' || !isMeasurementBackend(device.backend)) {
          problems.push(`stored device profile ${row.id.slice(DEVICE_PREFIX.length, 60)} is unreadable; delete it`);
          continue;
        }
        const entries = (await tx.objectStore('measurements').index('byProfile').getAll(device.id)) as StoredMeasurement[];
        profiles.push(summarise(device, entries));
      }
      await tx.done;
      return { profiles: profiles.sort(byUpdate), problems };
    } catch (error) {
      throw toStoreError(error, { action: 'list the device profiles', write: false });
    }
  }

  async measurements(profileId: string): Promise<{ entries: StoredMeasurement[]; problems: string[] }> {
    let rows: MeasurementRow[];
    try {
      rows = await this.#connection().getAllFromIndex('measurements', 'byProfile', profileId);
    } catch (error) {
      throw toStoreError(error, { action: 'read the measurements', write: false });
    }
    return checkAll(rows);
  }

  async runs(profileId?: string): Promise<RunRecord[]> {
    try {
      const rows = (await this.#connection().getAll('profiles', range(RUN_PREFIX))) as RunRow[];
      return rows
        .map((row) => row.run)
        .filter((run) => run && (!profileId || run.profileId === profileId))
        .sort(byStart);
    } catch (error) {
      throw toStoreError(error, { action: 'read the runs', write: false });
    }
  }

  async deleteProfile(profileId: string): Promise<number> {
    try {
      const tx = this.#connection().transaction(['measurements', 'profiles'], 'readwrite');
      const keys = await tx.objectStore('measurements').index('byProfile').getAllKeys(profileId);
      for (const key of keys) await tx.objectStore('measurements').delete(key);
      const runs = (await tx.objectStore('profiles').getAll(range(RUN_PREFIX))) as RunRow[];
      for (const row of runs) if (row.run?.profileId === profileId) await tx.objectStore('profiles').delete(row.id);
      await tx.objectStore('profiles').delete(DEVICE_PREFIX + profileId);
      await tx.done;
      return keys.length;
    } catch (error) {
      throw toStoreError(error, { action: 'delete the device profile', write: true });
    }
  }

  close(): void {
    this.#conn.close('The measurement store was closed');
  }
}

function checkAll(rows: readonly unknown[]): { entries: StoredMeasurement[]; problems: string[] } {
  const entries: StoredMeasurement[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    try {
      entries.push(checkStoredMeasurement(row, `stored measurement ${String((row as { id?: unknown })?.id)}`));
    } catch (error) {
      problems.push((error as Error).message.replace(/; nothing was stored$/, ''));
    }
  }
  return { entries: entries.sort((a, b) => (a.id ?? 0) - (b.id ?? 0)), problems };
}

/** Same behaviour for a tab without IndexedDB: values are structured-cloned in and out. */
export class MemoryMeasurementStore implements MeasurementStore {
  readonly mode = 'memory';
  readonly #measurements: StoredMeasurement[] = [];
  readonly #devices = new Map<string, DeviceProfileRecord>();
  readonly #runs = new Map<string, RunRecord>();
  readonly #now: () => number;
  #nextId = 1;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async add(entries: readonly NewMeasurement[]): Promise<AddResult> {
    const { records, devices } = plan(entries, this.#now());
    const seen = new Set(this.#measurements.filter((m) => devices.has(m.profileId)).map(identity));
    const ids: number[] = [];
    const { fresh, skipped } = withoutDuplicates(records, seen);
    for (const record of fresh) {
      const id = this.#nextId++;
      this.#measurements.push({ ...record, id });
      ids.push(id);
    }
    for (const [id, device] of devices) {
      const existing = this.#devices.get(id);
      this.#devices.set(id, existing ? { ...existing, updatedAt: device.updatedAt } : device);
    }
    return { ids, skipped, profileIds: [...devices.keys()] };
  }

  async saveRun(run: RunRecord): Promise<void> {
    checkRun(run);
    this.#runs.set(run.runId, structuredClone(run));
  }

  async listProfiles(): Promise<{ profiles: ProfileSummary[]; problems: string[] }> {
    const profiles = [...this.#devices.values()].map((device) =>
      summarise(
        device,
        this.#measurements.filter((m) => m.profileId === device.id),
      ),
    );
    return { profiles: structuredClone(profiles).sort(byUpdate), problems: [] };
  }

  async measurements(profileId: string): Promise<{ entries: StoredMeasurement[]; problems: string[] }> {
    return checkAll(structuredClone(this.#measurements.filter((m) => m.profileId === profileId)));
  }

  async runs(profileId?: string): Promise<RunRecord[]> {
    return structuredClone([...this.#runs.values()].filter((run) => !profileId || run.profileId === profileId)).sort(byStart);
  }

  async deleteProfile(profileId: string): Promise<number> {
    const before = this.#measurements.length;
    for (let i = this.#measurements.length - 1; i >= 0; i--) if (this.#measurements[i].profileId === profileId) this.#measurements.splice(i, 1);
    for (const [id, run] of this.#runs) if (run.profileId === profileId) this.#runs.delete(id);
    this.#devices.delete(profileId);
    return before - this.#measurements.length;
  }

  close(): void {}
}

/**
 * Opens the measurement store on IndexedDB (its own connection to the app's database), or in
 * memory with a notice when IndexedDB is missing or refuses; never throws.
 */
export function openMeasurementStore(factory?: IDBFactory | null, options: { migrations?: readonly Migration[]; timeoutMs?: number } = {}): Promise<{ store: MeasurementStore; notice?: string }> {
  return openOrMemory<MeasurementStore>(
    'Latency measurements are kept',
    (db) => new IdbMeasurementStore(db),
    () => new MemoryMeasurementStore(),
    factory,
    options,
  );
}
