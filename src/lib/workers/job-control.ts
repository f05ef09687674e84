/**
 * The one long job a worker runs at a time (training, a search, a profile) and its controls:
 * pause, resume, cancel and step, sent by the page with the job's `requestId`. Shared by the
 * compute and profiler handlers so both answer controls the same way:
 *
 * - `pause` holds the job at its next `beforeStep()`, `gate.wait()` or `checkpointReached()`;
 *   "paused" is answered once it holds there (the step in flight has finished).
 * - `resume` lets it go on and answers "resumed".
 * - `cancel` aborts `signal` and releases a paused job, so it can end (the job answers that).
 * - `step` lets a paused job go on until its next `checkpointReached()`, where it pauses again
 *   ("resumed" now, "paused" there); on a running job it just pauses at that checkpoint.
 *
 * Controls naming another request (one that just finished) are ignored.
 *
 * A handler runs its job like this (the compute worker's training does; a search shares the same
 * `JobControl`, so one job at a time across both):
 *
 *     const job = jobs.begin(requestId);          // throws the busy message while another job runs
 *     try {
 *       for (…) { await job.beforeStep(); …; await job.checkpointReached(); }
 *       post({ type: 'done', requestId, elapsedMs: job.elapsedMs() });
 *     } catch (error) {
 *       if (job.signal.aborted) post({ type: 'cancelled', requestId });
 *       else throw error;
 *     } finally {
 *       job.end();
 *     }
 *
 * and dispatches `case 'pause': case 'resume': case 'cancel': case 'step': jobs.control(request)`.
 */
import { PauseGate } from './pause-gate';

/** How often `beforeStep` lets queued messages through (ms): pause and cancel take effect within this. */
export const YIELD_EVERY_MS = 25;

/** A control of the running job, as the page sends it. */
interface JobControlMessage {
  type: 'pause' | 'resume' | 'cancel' | 'step';
  requestId: number;
}

/** What the job control answers by itself. */
export interface JobControlAnswer {
  type: 'paused' | 'resumed';
  requestId: number;
}

interface JobControlOptions {
  /** Sends "paused" and "resumed" to the page. */
  post(answer: JobControlAnswer): void;
  /** The message `begin` throws while a job runs. */
  busy: string;
  /** Lets queued messages (pause, cancel) run; default `yieldToEvents`. */
  yieldToEvents?(): Promise<void>;
  /** Monotonic ms; default `performance.now()`. */
  now?(): number;
}

interface BeginOptions {
  /** Instead of the control's `busy` message. */
  busy?: string;
  /** Runs when the job holds at a pause, just before "paused" is sent (e.g. to flush held-back progress). */
  beforeHold?(): void;
}

/** The running job, as the code that runs it sees it. */
export interface RunningJob {
  readonly requestId: number;
  /** Aborted by `cancel`. */
  readonly signal: AbortSignal;
  /** The pause; `gate.wait()` holds while paused, `gate.pausedMs()` is the time spent paused. */
  readonly gate: PauseGate;
  /**
   * Call before each step of the job: every ~25 ms it lets queued messages in (one macrotask), and
   * it holds while paused. Returns undefined when it has nothing to wait for, so a tight loop pays nothing.
   */
  beforeStep(): Promise<void> | undefined;
  /** Call where a `step` should stop (e.g. after each search iteration); resolves when the job may go on. */
  checkpointReached(): Promise<void>;
  /** Since `begin`, paused time excluded (ms). */
  elapsedMs(): number;
  /** The job is over (call it in `finally`); the next one may begin. */
  end(): void;
}

export class JobControl {
  readonly #options: JobControlOptions;
  #running: (RunningJob & { abort(): void; step(): void }) | undefined;

  constructor(options: JobControlOptions) {
    this.#options = options;
  }

  /** The running job, if any. */
  get running(): RunningJob | undefined {
    return this.#running;
  }

  /** Registers the job of `requestId`; throws the busy message while another job runs. */
  begin(requestId: number, options: BeginOptions = {}): RunningJob {
    if (this.#running) throw new Error(options.busy ?? this.#options.busy);
    const post = this.#options.post;
    const now = this.#options.now ?? (() => performance.now());
    const yieldNow = this.#options.yieldToEvents ?? yieldToEvents;
    const controller = new AbortController();
    const gate = new PauseGate(now);
    gate.onHold = () => {
      options.beforeHold?.();
      post({ type: 'paused', requestId });
    };
    let stepping = false;
    let lastYield: number | undefined;
    const begun = now();
    const job = {
      requestId,
      signal: controller.signal,
      gate,
      beforeStep: (): Promise<void> | undefined => {
        const time = now();
        lastYield ??= time;
        if (!gate.paused && time - lastYield < YIELD_EVERY_MS) return;
        return (async () => {
          await yieldNow();
          while (gate.paused) await gate.wait();
          lastYield = now();
        })();
      },
      checkpointReached: async (): Promise<void> => {
        if (stepping) {
          stepping = false;
          gate.pause();
        }
        while (gate.paused) await gate.wait();
      },
      elapsedMs: () => now() - begun - gate.pausedMs(),
      end: () => {
        if (this.#running === job) this.#running = undefined;
      },
      abort: () => {
        stepping = false;
        controller.abort();
        gate.resume();
      },
      step: () => {
        stepping = true;
        if (!gate.paused) return;
        gate.resume();
        post({ type: 'resumed', requestId });
      },
    };
    this.#running = job;
    return job;
  }

  /** Applies a pause, resume, cancel or step to the running job; ignored when it names another request. */
  control(message: JobControlMessage): void {
    const job = this.#running;
    if (job?.requestId !== message.requestId) return; // finished meanwhile: nothing to do
    switch (message.type) {
      case 'cancel':
        job.abort();
        return;
      case 'pause':
        job.gate.pause(); // answered with "paused" once the job holds
        return;
      case 'resume':
        job.gate.resume();
        this.#options.post({ type: 'resumed', requestId: message.requestId });
        return;
      case 'step':
        job.step();
        return;
    }
  }
}

let channel: { port: MessagePort; waiting: (() => void)[] } | undefined;

/**
 * One macrotask, so that queued messages (pause, cancel, visibility) are handled: `setImmediate`
 * in Node; in browsers a MessageChannel task, which is not clamped to 4 ms as nested timeouts are.
 */
export function yieldToEvents(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  if (!channel) {
    const { port1, port2 } = new MessageChannel();
    const waiting: (() => void)[] = [];
    port1.onmessage = () => waiting.shift()?.();
    channel = { port: port2, waiting };
  }
  const { port, waiting } = channel;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}
