/**
 * The stored half of the "Measure this device" view: every device profile's measurements and runs
 * from IndexedDB, what the view derives from them (per-cell table, FLOPs against latency, rank
 * correlation with the known devices, backend comparison), and CSV export and import. The
 * calibration (profile-calibration.svelte.ts) and the profiler runs (profile.svelte.ts) build on it.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { MeasurementStore, NewMeasurement, ProfileSummary, RunRecord, StoredMeasurement } from '../db/measurements';
import type { StoredDataset } from '../db/schema';
import { DEFAULT_LEVEL_CORRECTION, levelAnchors, readAtLevel, runLevels, type LevelCorrection } from '../latency/level-correction';
import { measurementsToCsv, parseMeasurementsCsv } from '../latency/measurements-csv';
import { backendComparison, cellRows, flopsVsLatency, rankCorrelations, repeatability, sameDevice, sortRows, type SortKey } from '../latency/profile-analysis';
import { chooseReferenceSet, knownDevices, REFERENCE_DATASETS, type ReferenceSet } from '../latency/reference-set';
import { NB201_NUM_CELLS, opsToCode } from '../spaces/nb201';
import { PROFILE_NETWORK } from '../workers/profiler-messages';

export interface ProfileSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
}

export interface ProfileDataDeps {
  openStore(): Promise<{ store: MeasurementStore; notice?: string }>;
  newId?(): string;
  now?(): number;
}

export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

export abstract class ProfileData {
  error = $state<string | null>(null);
  storeMode = $state<'indexeddb' | 'memory' | null>(null);
  storeNotice = $state<string | null>(null);
  profiles = $state.raw<ProfileSummary[]>([]);
  runs = $state.raw<RunRecord[]>([]);
  /** Every profile's measurements as timed and stored (exports carry these). */
  measurements = $state.raw<Record<string, StoredMeasurement[]>>({});
  /** How runs are read: at the profile's level by its anchor cells or reference network (level-correction.ts), or as timed. */
  levelCorrection = $state<LevelCorrection>(DEFAULT_LEVEL_CORRECTION);
  problems = $state.raw<string[]>([]);
  activeProfileId = $state<string | null>(null);
  importResult = $state.raw<{ ok: boolean; text: string } | null>(null);
  sortKey = $state<SortKey>('latencyMs');
  sortDescending = $state(false);

  /** Whether the profiler is timing now (the calibration waits for the run to end). */
  abstract readonly running: boolean;

  protected readonly source: ProfileSource;
  readonly #deps: ProfileDataDeps;
  protected store: MeasurementStore | null = null;

  constructor(source: ProfileSource, deps: ProfileDataDeps) {
    this.source = source;
    this.#deps = deps;
  }

  protected readonly nb201 = $derived.by(() => {
    const table = this.source.tables.nb201;
    if (!table) return null;
    const opsCode = columnByIndex(table, 'ops_code', NB201_NUM_CELLS);
    const connected = columnByIndex(table, 'connected', NB201_NUM_CELLS);
    const indexOfCode = new Int32Array(NB201_NUM_CELLS).fill(-1);
    opsCode.forEach((code, index) => {
      if (Number.isInteger(code)) indexOfCode[code] = index;
    });
    const connectedIndices: number[] = [];
    connected.forEach((flag, index) => flag === 1 && connectedIndices.push(index));
    return { opsCode, connected, indexOfCode, connectedIndices };
  });

  /** Latency columns of every loaded NB201 table that are real devices (LatBench, HELP, HW-NAS-Bench, the visitor's). */
  readonly known = $derived.by(() => knownDevices(this.source.datasets, this.source.tables));

  readonly referenceSet = $derived.by((): ReferenceSet | string | null => {
    const nb201 = this.nb201;
    if (!nb201) return null;
    try {
      const devices = this.known.devices.filter((d) => (REFERENCE_DATASETS as readonly string[]).includes(d.datasetId));
      return chooseReferenceSet({ opsCode: nb201.opsCode, connected: nb201.connected, devices });
    } catch (error) {
      return (error as Error).message;
    }
  });

  readonly activeProfile = $derived(this.profiles.find((p) => p.id === this.activeProfileId) ?? null);
  /** The reference-set cells every run also times, so that runs can be read at one level. */
  readonly anchors = $derived.by(() => (this.referenceSet && typeof this.referenceSet === 'object' ? levelAnchors(this.referenceSet.cells) : []));
  /** Each run's levels and the factor its cells are read with. */
  readonly runLevels = $derived(runLevels(this.runs, this.levelCorrection, Object.values(this.measurements).flat(), this.anchors));
  /** Every profile's measurements as the views read them: each run at its level (`levelCorrection`). */
  readonly readings = $derived.by(() => {
    const levels = this.runLevels;
    return Object.fromEntries(Object.entries(this.measurements).map(([id, entries]) => [id, readAtLevel(entries, levels)]));
  });
  readonly activeEntries = $derived(this.activeProfileId ? (this.readings[this.activeProfileId] ?? []) : []);
  readonly rows = $derived(sortRows(cellRows(this.activeEntries, PROFILE_NETWORK), this.sortKey, this.sortDescending));
  readonly flops = $derived(flopsVsLatency(this.activeEntries, PROFILE_NETWORK));
  readonly repeat = $derived(repeatability(this.activeEntries));
  /** Profiles of the same browser and machine as the active one (its backends), the active one first. */
  readonly siblings = $derived.by(() => {
    const active = this.activeProfile;
    if (!active) return [];
    return [active, ...this.profiles.filter((p) => p.id !== active.id && sameDevice(p.environment, active.environment))];
  });
  readonly heatmap = $derived(
    rankCorrelations(
      this.siblings.map((p) => ({ entries: this.readings[p.id] ?? [] })),
      this.known.devices,
    ),
  );
  readonly comparison = $derived(backendComparison(this.siblings.map((p) => ({ entries: this.readings[p.id] ?? [] }))));
  readonly activeRuns = $derived(this.runs.filter((r) => r.profileId === this.activeProfileId));

  /** Opens the measurement store and lists what it holds. */
  protected async openStore(): Promise<void> {
    const { store, notice } = await this.#deps.openStore();
    this.store = store;
    this.storeMode = store.mode;
    this.storeNotice = notice ?? null;
    await this.refresh();
  }

  /** Re-reads the stored profiles, runs and measurements. */
  async refresh(): Promise<void> {
    const store = this.store;
    if (!store) return;
    try {
      const { profiles, problems } = await store.listProfiles();
      const measurements: Record<string, StoredMeasurement[]> = {};
      const allProblems = [...problems];
      for (const p of profiles) {
        const read = await store.measurements(p.id);
        measurements[p.id] = read.entries;
        allProblems.push(...read.problems);
      }
      this.runs = await store.runs();
      this.measurements = measurements;
      this.profiles = profiles;
      this.problems = allProblems;
      if (!profiles.some((p) => p.id === this.activeProfileId)) this.activeProfileId = profiles[0]?.id ?? null;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** Stores one measured cell and re-reads its profile's measurements (the profile list only when the profile is new). */
  protected async storeMeasurement(entry: NewMeasurement, profileId: string): Promise<void> {
    await this.store!.add([entry]);
    const { entries } = await this.store!.measurements(profileId);
    this.measurements = { ...this.measurements, [profileId]: entries };
    const known = this.profiles.find((p) => p.id === profileId);
    if (!known) this.profiles = (await this.store!.listProfiles()).profiles;
    else {
      const updated = { ...known, measurements: entries.length, cells: new Set(entries.map((e) => e.archIndex)).size, updatedAt: this.now() };
      this.profiles = [updated, ...this.profiles.filter((p) => p !== known)];
    }
  }

  /** CSV of the given profiles' measurements (default: the active one), or null when there is nothing. */
  exportCsv(profileIds: readonly string[] = this.activeProfileId ? [this.activeProfileId] : []): { fileName: string; text: string } | null {
    const records = profileIds.flatMap((id) => this.measurements[id] ?? []);
    if (records.length === 0) return null;
    const label = profileIds.length === 1 ? (this.profiles.find((p) => p.id === profileIds[0])?.id ?? 'profile') : `${profileIds.length}-profiles`;
    return { fileName: `brp-nas-latency-${label}.csv`, text: measurementsToCsv(records) };
  }

  /** Imports an exported CSV: checked whole first, nothing stored on any error; duplicates of stored rows are skipped. */
  async importCsv(file: { name: string; size: number; text(): Promise<string> }): Promise<void> {
    this.importResult = null;
    const fail = (text: string) => {
      this.importResult = { ok: false, text: `${text} Nothing was stored.` };
    };
    if (!this.store) return fail('The measurement store is not open yet.');
    const nb201 = this.nb201;
    if (!nb201) return fail('Importing needs the NAS-Bench-201 table, which is not loaded yet.');
    if (file.size > IMPORT_MAX_BYTES) return fail(`${file.name} is ${(file.size / 1024 / 1024).toFixed(0)} MB; the limit is ${IMPORT_MAX_BYTES / 1024 / 1024} MB.`);
    let entries: NewMeasurement[];
    try {
      const runId = `import-${this.newId()}`;
      entries = parseMeasurementsCsv(await file.text(), file.name).map((record) => ({
        ...record,
        archIndex: nb201.indexOfCode[opsToCode(record.ops)],
        runId,
        source: 'imported',
        warmupRuns: null,
        warmupStable: null,
        discardedHidden: null,
      }));
      const result = await this.store.add(entries);
      await this.refresh();
      const added = result.ids.length;
      this.importResult = {
        ok: true,
        text:
          `Imported ${added} measurement${added === 1 ? '' : 's'} from ${file.name} into ${result.profileIds.length} device profile${result.profileIds.length === 1 ? '' : 's'}` +
          `${result.skipped ? ` (${result.skipped} already stored, skipped)` : ''}.`,
      };
      if (added > 0) this.activeProfileId = result.profileIds[0];
    } catch (error) {
      fail((error as Error).message.endsWith('.') ? (error as Error).message : `${(error as Error).message}.`);
    }
  }

  async deleteProfile(profileId: string): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.deleteProfile(profileId);
    } catch (error) {
      this.error = (error as Error).message;
    }
    await this.refresh();
  }

  protected newId(): string {
    return this.#deps.newId?.() ?? crypto.randomUUID();
  }

  protected now(): number {
    return this.#deps.now?.() ?? Date.now();
  }
}
