/**
 * The calibration layer of the "Measure this device" view: the active profile's calibrated latency
 * predictor (fitted when no run is timing) and the saved ones. Those live in the app's one
 * `CalibratedState`, which the Explorer plots: saving, importing or deleting here writes to its
 * store and re-reads its list, so every view sees the same predictors.
 */
import type { CalibratedStore } from '../db/calibrated';
import { MemoryCalibratedStore } from '../db/calibrated';
import { calibratedToFile, MAX_CALIBRATED_FILE_CHARS, parseCalibratedFile, summarise, type CalibratedPredictor } from '../latency/calibrated-predictor';
import { asBasis } from '../latency/reference-set';
import { cellFeatures } from '../latency/calibration-features';
import { calibrationReport, type CalibrationReport } from '../latency/calibration-report';
import { calibratedFileName } from '../latency/profile-analysis';
import { PROFILE_NETWORK } from '../workers/profiler-messages';
import { CalibratedState } from './calibrated.svelte';
import { ProfileData, type ProfileDataDeps, type ProfileSource } from './profile-data.svelte';

export interface ProfileCalibrationDeps extends ProfileDataDeps {
  /** The app's saved calibrated predictors (default: a list of its own in memory, for this state only). */
  calibrated?: CalibratedState;
}

/** A memory store for a state made without the app's list (tests, benches). */
const memoryCalibrated = () => new CalibratedState(async () => ({ store: new MemoryCalibratedStore() as CalibratedStore }));

export abstract class ProfileCalibration extends ProfileData {
  /** The last save, import, export or delete of a calibrated predictor that failed. */
  calibratedError = $state<string | null>(null);
  /** What the last save or import did. */
  calibratedStatus = $state<string | null>(null);

  readonly #shared: CalibratedState;

  constructor(source: ProfileSource, deps: ProfileCalibrationDeps) {
    super(source, deps);
    this.#shared = deps.calibrated ?? memoryCalibrated();
  }

  /** Saved calibrated predictors, newest first (the app's list, without the predictions). */
  readonly calibrated = $derived.by(() => this.#shared.predictors.map(summarise));

  get calibratedProblems(): string[] {
    return this.#shared.problems;
  }

  get calibratedNotice(): string | null {
    return this.#shared.notice;
  }

  /** Calibration features of every cell: built once, and only when a calibration is first needed (≈ 0.5 s). */
  readonly #features = $derived.by(() => {
    const nb201 = this.nb201;
    return nb201 ? cellFeatures(nb201.opsCode, nb201.connected, PROFILE_NETWORK.classes, PROFILE_NETWORK.inputSize) : null;
  });

  /** Every known device as a calibration basis. */
  readonly #basis = $derived(asBasis(this.known.devices));

  readonly #calibrationOutcome = $derived.by((): CalibrationReport | string => {
    const reference = this.referenceSet;
    if (!this.nb201 || reference === null) return 'The NAS-Bench-201 tables are not loaded yet.';
    if (typeof reference === 'string') return reference;
    // Not while timing: a refit per finished cell would only compete with the measurement.
    if (this.running) return 'Measuring… the calibration is fitted when the run ends.';
    if (!this.activeProfile) return 'Nothing measured yet: press "Calibrate this device".';
    return calibrationReport({
      devices: this.#basis,
      features: () => this.#features!,
      referenceIndices: reference.cells.map((c) => c.index),
      entries: this.activeEntries,
    });
  });

  /** The active profile's calibration, or null (`calibrationReason` says why). */
  get calibration(): CalibrationReport | null {
    const outcome = this.#calibrationOutcome;
    return typeof outcome === 'string' ? null : outcome;
  }

  get calibrationReason(): string | null {
    const outcome = this.#calibrationOutcome;
    return typeof outcome === 'string' ? outcome : null;
  }

  /** The shared store; a failure to open it reads as `calibratedError`. */
  async #store(): Promise<CalibratedStore> {
    return (await this.#shared.open()).store;
  }

  /** Saves the active profile's calibration under `name`; returns whether it was saved. */
  async saveCalibration(name: string): Promise<boolean> {
    this.calibratedError = null;
    this.calibratedStatus = null;
    const report = this.calibration;
    const profile = this.activeProfile;
    const trimmed = name.trim();
    if (!report || !profile) this.calibratedError = `Nothing to save: ${this.calibrationReason ?? 'no calibration'}`;
    else if (trimmed.length === 0 || trimmed.length > 300) this.calibratedError = 'Give the calibrated predictor a name of 1-300 characters.';
    if (this.calibratedError) return false;
    const { calibration, scores } = report!;
    // Versions of the tables the basis came from (and nb201, whose cells it predicts), so a saved predictor says what it was fitted with.
    const basisDatasets = new Set(['nb201', ...calibration.basis.map((b) => b.key.slice(0, b.key.indexOf(':')))]);
    const datasetVersions = Object.fromEntries(this.source.datasets.filter((d) => basisDatasets.has(d.id)).map((d) => [d.id, d.version]));
    const predictor: CalibratedPredictor = {
      id: this.newId(),
      name: trimmed,
      space: 'nb201',
      kind: 'calibrated-latency',
      createdAt: this.now(),
      device: { profileId: profile!.id, label: profile!.label, backend: profile!.backend, userAgent: profile!.environment.userAgent, tfjsVersion: profile!.environment.tfjsVersion },
      method: calibration.method,
      candidates: calibration.candidates,
      basis: calibration.basis,
      datasetVersions,
      reference: calibration.reference,
      validation: {
        heldOut: scores.calibrated,
        flops: scores.flops,
        nearest: scores.nearest,
        repeatability: { cells: report!.repeatability.cells, spearman: report!.repeatability.spearman },
      },
      predictions: Float32Array.from(calibration.predictions),
    };
    try {
      await (await this.#store()).save(predictor);
    } catch (error) {
      this.calibratedError = `Not saved: ${(error as Error).message}`;
      return false;
    }
    this.calibratedStatus = `Saved “${trimmed}”.`;
    await this.#shared.refresh();
    return true;
  }

  async deleteCalibrated(id: string): Promise<void> {
    this.calibratedError = null;
    this.calibratedStatus = null;
    try {
      if (await (await this.#store()).delete(id)) await this.#shared.refresh();
    } catch (error) {
      this.calibratedError = (error as Error).message;
    }
  }

  /** The export file of a saved calibrated predictor, or null (with `calibratedError`) when it cannot be read. */
  async exportCalibrated(id: string): Promise<{ fileName: string; text: string } | null> {
    this.calibratedError = null;
    try {
      const predictor = await (await this.#store()).load(id);
      if (!predictor) {
        this.calibratedError = `Calibrated predictor ${id} is not stored (any more).`;
        return null;
      }
      return { fileName: calibratedFileName(predictor.name, predictor.id), text: calibratedToFile(predictor) };
    } catch (error) {
      this.calibratedError = (error as Error).message;
      return null;
    }
  }

  /** Imports an exported calibrated predictor: checked whole first, nothing stored on any error; the same id replaces the stored copy. */
  async importCalibrated(file: { name: string; size: number; text(): Promise<string> }): Promise<void> {
    this.calibratedError = null;
    this.calibratedStatus = null;
    try {
      if (file.size > MAX_CALIBRATED_FILE_CHARS)
        throw new Error(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; a calibrated predictor file is at most ${MAX_CALIBRATED_FILE_CHARS / 1024 / 1024} MB`);
      const predictor = parseCalibratedFile(await file.text(), file.name);
      const replaced = this.calibrated.some((c) => c.id === predictor.id);
      await (await this.#store()).save(predictor);
      this.calibratedStatus = `Imported “${predictor.name}” from ${file.name}${replaced ? ' (replacing the stored copy with the same id)' : ''}.`;
      await this.#shared.refresh();
    } catch (error) {
      const message = (error as Error).message;
      this.calibratedError = `${message}${message.endsWith('.') ? '' : '.'} Nothing was stored.`;
    }
  }
}
