/**
 * The page's side of the compute worker (tfjs: backend choice, training, prediction, stored
 * predictors). One worker for the whole page; requests are matched to answers by `requestId`.
 */
import type { BackendName, BackendReport } from '../compute/backend';
import type { ComputeRequest, ComputeResponse } from '../workers/compute-messages';

export type ComputeAnswer = Exclude<ComputeResponse, { type: 'backend' }>;
type Answer = ComputeAnswer;
/** Answers that end a request; every other answer (epoch, paused, resumed) is an event of it. */
const FINAL = new Set<Answer['type']>([
  'trained', 'cancelled', 'predictions', 'saved', 'predictor-list', 'loaded', 'deleted', 'exported', 'imported', 'released', 'speed', 'error',
]);

export class ComputeClient {
  backend = $state.raw<BackendReport | null>(null);
  error = $state<string | null>(null);
  #worker: Worker | null = null;
  #nextId = 1;
  #pending = new Map<number, { resolve(answer: Answer): void; onEvent?(answer: Answer): void }>();

  /** Starts the worker (once) and lets it choose the backend, or the user's `override`. */
  start(override?: BackendName): void {
    if (!this.#worker) {
      this.#worker = new Worker(new URL('../workers/compute.worker.ts', import.meta.url), { type: 'module' });
      this.#worker.onmessage = (event: MessageEvent<ComputeResponse>) => this.#receive(event.data);
      this.#worker.onerror = (event) => (this.error = `The compute worker failed: ${event.message}`);
    }
    this.#worker.postMessage({ type: 'init', override } satisfies ComputeRequest);
  }

  /**
   * Sends a request and resolves with its final answer (`error` included); `onEvent` receives the
   * answers in between (epochs, paused, resumed).
   */
  request(message: Exclude<ComputeRequest, { type: 'init' }>, options: { transfer?: Transferable[]; onEvent?(answer: Answer): void } = {}): Promise<Answer> {
    if (!this.#worker) this.start();
    const requestId = 'requestId' in message && message.requestId > 0 ? message.requestId : this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(requestId, { resolve, onEvent: options.onEvent });
      this.#worker!.postMessage({ ...message, requestId }, options.transfer ?? []);
    });
  }

  /** A fresh id, for requests that other messages (pause/resume/cancel) refer to. */
  newRequestId(): number {
    return this.#nextId++;
  }

  /** Sends a message that gets no answer of its own (pause, resume, cancel). */
  post(message: Extract<ComputeRequest, { type: 'pause' | 'resume' | 'cancel' }>): void {
    this.#worker?.postMessage(message);
  }

  #receive(message: ComputeResponse): void {
    if (message.type === 'backend') {
      this.backend = message.report;
      return;
    }
    if (message.requestId === undefined) {
      if (message.type === 'error') this.error = message.message;
      return;
    }
    const pending = this.#pending.get(message.requestId);
    if (!pending) return;
    if (FINAL.has(message.type)) {
      this.#pending.delete(message.requestId);
      pending.resolve(message as Answer);
    } else {
      pending.onEvent?.(message as Answer);
    }
  }
}
