/**
 * The visitor's saved calibrated latency predictors, with their predictions, for every view that
 * plots them (the Explorer offers each as an x axis). The Profile view saves, imports and deletes
 * them through the same store (`open()`) and calls `refresh()` after each change, so the other
 * views follow without a reload.
 */
import { openCalibratedStore, type CalibratedStore } from '../db/calibrated';
import type { CalibratedPredictor } from '../latency/calibrated-predictor';

type OpenCalibrated = () => Promise<{ store: CalibratedStore; notice?: string }>;

export class CalibratedState {
  /** Every readable saved predictor, newest first (each holds 15,625 predictions: 62 KB). */
  predictors = $state.raw<CalibratedPredictor[]>([]);
  /** Saved records that could not be read, or why the store could not be listed: one sentence each. */
  problems = $state.raw<string[]>([]);
  /** Why the store is in memory for this tab only; null when it is in IndexedDB. */
  notice = $state<string | null>(null);

  readonly #openStore: OpenCalibrated;
  #opened: ReturnType<OpenCalibrated> | null = null;
  /** Number of the latest refresh: an older one that answers late must not overwrite it. */
  #generation = 0;

  constructor(openStore: OpenCalibrated = () => openCalibratedStore()) {
    this.#openStore = openStore;
  }

  /**
   * The store, opened once and shared: the Profile view must write where this state reads (two
   * in-memory stores, in a browser without IndexedDB, would never see each other's records).
   */
  open(): ReturnType<OpenCalibrated> {
    this.#opened ??= this.#openStore();
    return this.#opened;
  }

  /** Re-reads every saved predictor (after a save, import or delete anywhere in the app). */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    const { store, notice } = await this.open();
    let listed: Awaited<ReturnType<CalibratedStore['list']>>;
    try {
      listed = await store.list();
    } catch (error) {
      // Keep what was read before: the store failing now does not delete anything.
      if (generation === this.#generation) this.problems = [(error as Error).message];
      return;
    }
    const predictors: CalibratedPredictor[] = [];
    const problems = [...listed.problems];
    for (const summary of listed.summaries) {
      try {
        // Undefined when it was deleted between the list and the read: then it is simply gone.
        const predictor = await store.load(summary.id);
        if (predictor) predictors.push(predictor);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (generation !== this.#generation) return;
    this.predictors = predictors;
    this.problems = problems;
    this.notice = notice ?? null;
  }
}
