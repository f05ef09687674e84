/**
 * One typed request/response layer for every worker of the app (compute, profiler, ingest) and
 * the benches. Requests carry a `requestId`; every answer echoes it. One rule says which answer
 * ends a request: each protocol exports the set of its *event* types (epochs, progress, paused,
 * …), and every other answer with that id ends it. An `error` answer rejects the request with a
 * `WorkerRequestError`; the worker runs on.
 *
 * A worker that crashes (an uncaught `error` event), sends an answer that cannot be read
 * (`messageerror`) or is terminated rejects every pending request with a `WorkerStoppedError`,
 * and every later one at once, until `restart()` starts a fresh worker. A crashed worker is
 * terminated too: what it held is in an unknown state, and it must not answer later.
 *
 * Comlink would do the matching, but not the crash handling nor the events of a running request
 * (it proxies callbacks instead), and the protocols are already plain messages; this is ~150 lines.
 */

/** The part of a `Worker` the client uses (a fake in tests, a handler on this thread for comparisons). */
export interface RpcPort<Req, Res> {
  postMessage(message: Req, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Res>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  onmessageerror: ((event: MessageEvent) => void) | null;
  terminate(): void;
}

interface Typed {
  type: string;
}

/** A request as a caller writes it: the client fills in `requestId` unless it is given (> 0). */
export type RpcRequest<Req> = Req extends { requestId: number } ? Omit<Req, 'requestId'> & { requestId?: number } : never;
/** The answers of a request that do not end it. */
type RpcEvent<Res, Ev> = Extract<Res, { type: Ev; requestId: number }>;
/** The answers that end a request, `error` left out (it rejects). */
type RpcAnswer<Res, Ev> = Exclude<Extract<Res, { requestId: number }>, { type: Ev | 'error' }>;

/** An `error` answer: this request failed, the worker runs on. The message is the worker's, verbatim. */
export class WorkerRequestError extends Error {
  override name = 'WorkerRequestError';
}

/** The worker is gone (crashed, unreadable answer, or terminated); start it again to go on. */
export class WorkerStoppedError extends Error {
  override name = 'WorkerStoppedError';
}

interface RpcOptions<Res, Ev> {
  /** What the worker is called in messages: "compute worker" → "The compute worker stopped unexpectedly: …". */
  name: string;
  /** The protocol's event types (answers that do not end their request). */
  events: ReadonlySet<Ev>;
  /** Answers without a `requestId` (e.g. the compute worker's `backend`, an `init` error). */
  onUnsolicited?(message: Res): void;
  /** Called once each time the worker stops (crash, unreadable answer, `terminate()`). */
  onCrash?(error: WorkerStoppedError): void;
  /** The sentence after a crash message; default "Start it again to go on." */
  hint?: string;
}

interface RequestOptions<E> {
  /** Buffers moved to the worker instead of copied. */
  transfer?: Transferable[];
  /** Receives the request's events as they come. */
  onEvent?(event: E): void;
}

interface Pending<Res> {
  resolve(answer: Res): void;
  reject(error: Error): void;
  onEvent?(event: Res): void;
  expect?: readonly string[];
}

export class RpcClient<Req extends Typed, Res extends Typed, Ev extends Res['type'] = never> {
  readonly #connect: () => RpcPort<Req, Res>;
  readonly #options: RpcOptions<Res, Ev>;
  readonly #pending = new Map<number, Pending<Res>>();
  #port: RpcPort<Req, Res> | null = null;
  #crashed: WorkerStoppedError | null = null;
  #nextId = 1;

  /** `connect` starts a worker; it is called on first use and by `restart()`. */
  constructor(connect: () => RpcPort<Req, Res>, options: RpcOptions<Res, Ev>) {
    this.#connect = connect;
    this.#options = options;
  }

  /** Why the worker stopped, or null while it runs (or has not started yet). */
  get crashed(): WorkerStoppedError | null {
    return this.#crashed;
  }

  /** Requests sent and not yet ended. */
  get pending(): number {
    return this.#pending.size;
  }

  /** A fresh id, for requests that other messages (pause, resume, cancel) refer to. */
  newRequestId(): number {
    return this.#nextId++;
  }

  /**
   * Sends a request and resolves with the answer that ends it (rejects on an `error` answer or a
   * stopped worker). With `expect`, any other final answer rejects too.
   */
  request<T extends RpcAnswer<Res, Ev>['type']>(message: RpcRequest<Req>, options: RequestOptions<RpcEvent<Res, Ev>> & { expect: T | readonly T[] }): Promise<Extract<RpcAnswer<Res, Ev>, { type: T }>>;
  request(message: RpcRequest<Req>, options?: RequestOptions<RpcEvent<Res, Ev>>): Promise<RpcAnswer<Res, Ev>>;
  request(message: RpcRequest<Req>, options: RequestOptions<RpcEvent<Res, Ev>> & { expect?: string | readonly string[] } = {}): Promise<Res> {
    if (this.#crashed) return Promise.reject(this.#crashed);
    const given = (message as { requestId?: number }).requestId;
    const requestId = given !== undefined && given > 0 ? given : this.#nextId++;
    if (this.#pending.has(requestId)) return Promise.reject(new Error(`${this.#options.name}: request ${requestId} is already waiting for its answer`));
    const expect = options.expect === undefined ? undefined : typeof options.expect === 'string' ? [options.expect] : options.expect;
    return new Promise<Res>((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject, onEvent: options.onEvent as Pending<Res>['onEvent'], expect });
      try {
        this.#portNow().postMessage({ ...message, requestId } as unknown as Req, options.transfer ?? []);
      } catch (error) {
        this.#pending.delete(requestId);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Sends a message that gets no answer of its own (pause, resume, cancel, step, visibility); dropped while stopped. */
  post(message: Req, transfer: Transferable[] = []): void {
    if (this.#crashed) return;
    this.#portNow().postMessage(message, transfer);
  }

  /** Stops the worker: every pending request rejects, and every later one until `restart()`. `detail`: why, when it is a failure. */
  terminate(detail?: string): void {
    this.#stop(detail === undefined ? `The ${this.#options.name} was stopped.` : this.#crashMessage(detail));
  }

  /** Starts a fresh worker (stopping the current one, if any, first). */
  restart(): void {
    if (this.#port && !this.#crashed) this.#stop(`The ${this.#options.name} was restarted.`);
    this.#crashed = null;
    this.#portNow();
  }

  #portNow(): RpcPort<Req, Res> {
    if (this.#port) return this.#port;
    const port = this.#connect();
    port.onmessage = (event) => this.#receive(event.data);
    port.onerror = (event) => this.#stop(this.#crashMessage(typeof event?.message === 'string' ? event.message : ''));
    port.onmessageerror = () => this.#stop(this.#crashMessage('one of its answers could not be read'));
    this.#port = port;
    return port;
  }

  #crashMessage(detail: string): string {
    const why = detail.trim().replace(/\.+$/, '') || 'it failed to load or crashed';
    return `The ${this.#options.name} stopped unexpectedly: ${why}. ${this.#options.hint ?? 'Start it again to go on.'}`;
  }

  #receive(message: Res): void {
    const requestId = (message as { requestId?: unknown }).requestId;
    if (typeof requestId !== 'number') {
      this.#options.onUnsolicited?.(message);
      return;
    }
    const pending = this.#pending.get(requestId);
    if (!pending) return; // a late answer: the request already ended
    if (this.#options.events.has(message.type as Ev)) {
      pending.onEvent?.(message);
      return;
    }
    this.#pending.delete(requestId);
    if (message.type === 'error') pending.reject(new WorkerRequestError(String((message as { message?: unknown }).message)));
    else if (pending.expect && !pending.expect.includes(message.type)) {
      pending.reject(new Error(`The ${this.#options.name} answered '${message.type}' where '${pending.expect.join("' or '")}' was expected`));
    } else pending.resolve(message);
  }

  #stop(message: string): void {
    if (this.#crashed) return;
    const error = new WorkerStoppedError(message);
    this.#crashed = error;
    const port = this.#port;
    this.#port = null;
    if (port) {
      port.onmessage = null;
      port.onerror = null;
      port.onmessageerror = null;
      port.terminate();
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.reject(error);
    this.#options.onCrash?.(error);
  }
}

/**
 * A port over a request handler on this thread (the profiler's main-thread mode), built once
 * `start` has made the handler: messages are cloned both ways, as between a page and a worker.
 */
export async function handlerPort<Req, Res>(start: (post: (message: Res) => void) => Promise<(request: Req) => unknown>): Promise<RpcPort<Req, Res>> {
  let stopped = false;
  const port: RpcPort<Req, Res> = {
    postMessage: (request) => {
      if (!stopped) void handle(structuredClone(request));
    },
    onmessage: null,
    onerror: null,
    onmessageerror: null,
    terminate: () => void (stopped = true),
  };
  const handle = await start((message) => {
    if (!stopped) port.onmessage?.({ data: structuredClone(message) } as MessageEvent<Res>);
  });
  return port;
}
