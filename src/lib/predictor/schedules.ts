/**
 * Learning-rate schedules and early stopping as eagle's `train()` drives them (spec section 4):
 * CosineAnnealingLR(T_max = epochs, eta_min 0) stepped per epoch; ReduceLROnPlateau(min,
 * factor 0.5, relative threshold 0.01) stepped with the validation loss only when epoch > 20;
 * EarlyStopping(min, min_delta 0) likewise only when epoch > 20 (that gating lives in the loop).
 */

/**
 * Learning rate of epoch `epoch` (0-based) under cosine annealing: the closed form of
 * torch's CosineAnnealingLR after `epoch` scheduler steps.
 */
export function cosineAnnealingLr(baseLr: number, epoch: number, tMax: number, etaMin = 0): number {
  return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
}

interface PlateauOptions {
  /** Epochs without improvement tolerated before the rate is cut (count). */
  patience: number;
  /** Multiplier applied at each cut (default 0.5). */
  factor?: number;
  /** Relative improvement needed to count as better (default 0.01 = 1 %). */
  threshold?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
}

/** torch.optim.lr_scheduler.ReduceLROnPlateau, mode 'min', threshold_mode 'rel', cooldown 0. */
export class ReduceLrOnPlateau {
  lr: number;
  private best = Infinity;
  private badEpochs = 0;
  private readonly patience: number;
  private readonly factor: number;
  private readonly threshold: number;
  private readonly minLr: number;

  constructor(initialLr: number, options: PlateauOptions) {
    this.lr = initialLr;
    this.patience = options.patience;
    this.factor = options.factor ?? 0.5;
    this.threshold = options.threshold ?? 0.01;
    this.minLr = options.minLr ?? 0;
  }

  /** Feeds one validation loss; returns true when the rate was just cut. */
  step(loss: number): boolean {
    if (loss < this.best * (1 - this.threshold)) {
      this.best = loss;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    if (this.badEpochs > this.patience) {
      this.badEpochs = 0;
      const reduced = Math.max(this.lr * this.factor, this.minLr);
      // torch ignores cuts smaller than its eps (1e-8).
      if (this.lr - reduced > 1e-8) {
        this.lr = reduced;
        return true;
      }
    }
    return false;
  }
}

/**
 * Eagle's EarlyStopping (mode 'min', min_delta 0): the first value only sets the reference;
 * stop after `patience` consecutive non-improving values, or at once on NaN. Patience 0 never
 * stops.
 */
export class EarlyStopping {
  private best: number | null = null;
  private badEpochs = 0;

  constructor(
    private readonly patience: number,
    private readonly minDelta = 0,
  ) {}

  /** Feeds one validation loss; returns true when training should stop. */
  step(loss: number): boolean {
    if (this.patience === 0) return false;
    if (this.best === null) {
      this.best = loss;
      return false;
    }
    if (Number.isNaN(loss)) return true;
    if (loss < this.best - this.minDelta) {
      this.best = loss;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    return this.badEpochs >= this.patience;
  }
}
