/**
 * The pause of a long job in a worker (training, profiling): a promise the job awaits between
 * steps, pending while paused. `onHold` runs once per pause, when the job actually reaches the
 * gate, so a "paused" answer sent from it means the step in flight has finished and nothing more
 * runs until `resume`. Paused time is kept apart, so elapsed times can leave it out.
 */
export class PauseGate {
  #waiting: Promise<void> | null = null;
  #release: (() => void) | null = null;
  #held = false;
  #pausedSince = 0;
  #pausedMs = 0;
  readonly #now: () => number;
  onHold: (() => void) | null = null;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  get paused(): boolean {
    return this.#waiting !== null;
  }

  /** Resolves at once when running; while paused, when resumed (calling `onHold` the first time). */
  wait = (): Promise<void> => {
    if (this.#waiting && !this.#held) {
      this.#held = true;
      this.onHold?.();
    }
    return this.#waiting ?? Promise.resolve();
  };

  pause(): void {
    if (this.#waiting) return;
    this.#pausedSince = this.#now();
    this.#waiting = new Promise((resolve) => (this.#release = resolve));
  }

  resume(): void {
    if (!this.#waiting) return;
    this.#pausedMs += this.#now() - this.#pausedSince;
    this.#release?.();
    this.#waiting = null;
    this.#release = null;
    this.#held = false;
  }

  /** Total paused time so far (ms). */
  pausedMs(): number {
    return this.#pausedMs + (this.#waiting ? this.#now() - this.#pausedSince : 0);
  }
}
