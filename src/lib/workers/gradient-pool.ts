/**
 * Gradient helpers seen from the compute worker: `GradientPeers` (predictor/parallel.ts) over
 * worker-like ports, one shard per helper per step. Each helper answers its requests in order,
 * so every port keeps a FIFO of waiting promises. A helper that reports an error fails the
 * request; one that crashes fails everything it had and every later request (the pool is then
 * broken and the compute worker starts a new one for the next run).
 */
import type { BackendName } from '../compute/backend';
import type { GradientPeers, ShardRequest, ShardResult, ShardSetup } from '../predictor/parallel';
import { sumResults } from '../predictor/parallel';
import type { GradientRequest, GradientResponse } from './gradient-messages';

/** The part of a `Worker` the pool uses. */
export interface HelperPort {
  postMessage(message: GradientRequest, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<GradientResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

interface Waiting {
  expect: GradientResponse['type'];
  resolve(response: GradientResponse): void;
  reject(error: Error): void;
}

class Helper {
  readonly #port: HelperPort;
  readonly #waiting: Waiting[] = [];
  #broken: Error | null = null;

  constructor(port: HelperPort, index: number) {
    this.#port = port;
    port.onmessage = (event) => {
      const response = event.data;
      const head = this.#waiting.shift();
      if (!head) return;
      if (response.type === 'error') head.reject(new Error(`gradient helper ${index + 1}: ${response.message}`));
      else if (response.type !== head.expect) head.reject(new Error(`gradient helper ${index + 1}: expected '${head.expect}', got '${response.type}'`));
      else head.resolve(response);
    };
    port.onerror = (event) => {
      const detail = typeof event?.message === 'string' && event.message ? event.message : 'the worker failed to load or crashed';
      this.#broken = new Error(`gradient helper ${index + 1}: ${detail}`);
      for (const waiting of this.#waiting.splice(0)) waiting.reject(this.#broken);
    };
  }

  get broken(): boolean {
    return this.#broken !== null;
  }

  request<T extends GradientResponse['type']>(message: GradientRequest, expect: T, transfer: Transferable[] = []): Promise<Extract<GradientResponse, { type: T }>> {
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ expect, resolve: resolve as (r: GradientResponse) => void, reject });
      this.#port.postMessage(message, transfer);
    });
  }

  terminate(): void {
    this.#port.terminate();
    const error = new Error('gradient helpers were stopped');
    for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
  }
}

export class WorkerPeers implements GradientPeers {
  readonly count: number;
  readonly backend: BackendName;
  readonly #helpers: Helper[];
  #step = 0;

  private constructor(helpers: Helper[], backend: BackendName) {
    this.#helpers = helpers;
    this.count = helpers.length;
    this.backend = backend;
  }

  /** Starts `count` helpers on `backend`; resolves once all of them have initialised it. */
  static async start(count: number, spawn: () => HelperPort, backend: BackendName): Promise<WorkerPeers> {
    if (!Number.isInteger(count) || count < 1) throw new Error(`gradient helpers: count must be a positive integer, got ${count}`);
    const helpers = Array.from({ length: count }, (_, k) => new Helper(spawn(), k));
    const peers = new WorkerPeers(helpers, backend);
    try {
      await Promise.all(helpers.map((helper) => helper.request({ type: 'init', backend }, 'ready')));
    } catch (error) {
      peers.terminate();
      throw error;
    }
    return peers;
  }

  /** True once a helper has crashed: start a new pool. */
  get broken(): boolean {
    return this.#helpers.some((helper) => helper.broken);
  }

  async prepare(setup: ShardSetup): Promise<void> {
    await Promise.all(this.#helpers.map((helper) => helper.request({ type: 'prepare', setup }, 'prepared')));
  }

  async gradients(weights: Float32Array, shards: ShardRequest[]): Promise<ShardResult> {
    if (shards.length > this.count) throw new Error(`gradients: ${shards.length} shards for ${this.count} helpers`);
    const step = this.#step++;
    const answers = shards.map((shard, k) => {
      // The last helper may take the buffer itself; the others get copies (structured clone).
      const last = k === shards.length - 1;
      return this.#helpers[k].request({ type: 'shards', step, weights, shards: [shard] }, 'gradient', last ? [weights.buffer] : []);
    });
    const results = await Promise.all(answers);
    return sumResults(
      results.map(({ loss, gradient }) => ({ loss, gradient })),
      results[0].gradient.length,
    );
  }

  /** Frees the helpers' copy of the last run's model (they stay started). */
  async release(): Promise<void> {
    await Promise.all(this.#helpers.filter((helper) => !helper.broken).map((helper) => helper.request({ type: 'release' }, 'released')));
  }

  terminate(): void {
    for (const helper of this.#helpers) helper.terminate();
  }
}

/**
 * The gradient helpers of successive training runs (`workers − 1` of them), kept between runs and
 * restarted when the count or the backend changes, or one crashed. Without `spawn` every run uses
 * one worker; `autoWorkers` picks the count when a run asks for none.
 */
export function keptPeers<R extends { name: BackendName }>(spawn: (() => HelperPort) | undefined, autoWorkers: (report: R, batchSize: number) => number) {
  let pool: WorkerPeers | undefined;
  return async (requested: number | undefined, report: R, batchSize: number): Promise<{ workers: number; peers?: WorkerPeers }> => {
    const workers = spawn ? Math.min(requested ?? autoWorkers(report, batchSize), Math.max(1, batchSize)) : 1;
    if (workers === 1) return { workers };
    if (!pool || pool.count !== workers - 1 || pool.backend !== report.name || pool.broken) {
      pool?.terminate();
      pool = undefined;
      pool = await WorkerPeers.start(workers - 1, spawn!, report.name);
    }
    return { workers, peers: pool };
  };
}
