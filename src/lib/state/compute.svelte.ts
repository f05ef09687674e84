/**
 * The page's side of the compute worker (tfjs: backend choice, training, prediction, stored
 * predictors, search): the runes bridge over the worker client (workers/rpc.ts). One worker for
 * the whole page. When it crashes every pending request rejects, `crashed` says why, and
 * `restart()` starts a fresh one.
 */
import type { BackendName, BackendReport } from '../compute/backend';
import { COMPUTE_EVENTS, type ComputeEventType, type ComputeRequest, type ComputeResponse } from '../workers/compute-messages';
import { RpcClient } from '../workers/rpc';

export class ComputeClient {
  backend = $state.raw<BackendReport | null>(null);
  /** The last failure that belongs to no request (backend choice, crash), for the status bar. */
  error = $state<string | null>(null);
  /** Why the worker stopped (a sentence for the page), or null while it runs. */
  crashed = $state<string | null>(null);
  #override: BackendName | undefined;

  readonly #rpc = new RpcClient<ComputeRequest, ComputeResponse, ComputeEventType>(() => new Worker(new URL('../workers/compute.worker.ts', import.meta.url), { type: 'module' }), {
    name: 'compute worker',
    events: COMPUTE_EVENTS,
    onUnsolicited: (message) => {
      if (message.type === 'backend') this.backend = message.report;
      else if (message.type === 'error') this.error = message.message;
    },
    onCrash: (error) => {
      this.crashed = error.message;
      this.error = error.message;
      this.backend = null;
    },
  });

  /**
   * Sends a request; resolves with the answer that ends it, rejects on an `error` answer or a
   * crash. `onEvent` receives the answers in between; `expect` narrows (and checks) the answer.
   */
  readonly request = this.#rpc.request.bind(this.#rpc);

  /** Starts the worker (once) and lets it choose the backend, or the user's `override`. */
  start(override?: BackendName): void {
    this.#override = override;
    this.#rpc.post({ type: 'init', override });
  }

  /** Starts a fresh worker after a crash (with the backend choice of the last `start`). */
  restart(): void {
    this.crashed = null;
    this.error = null;
    this.backend = null;
    this.#rpc.restart();
    this.start(this.#override);
  }

  /** A fresh id, for requests that other messages (pause/resume/cancel/step) refer to. */
  newRequestId(): number {
    return this.#rpc.newRequestId();
  }

  /** Sends a message that gets no answer of its own (pause, resume, cancel, step); dropped after a crash. */
  post(message: Extract<ComputeRequest, { type: 'pause' | 'resume' | 'cancel' | 'step' }>): void {
    this.#rpc.post(message);
  }
}
