/**
 * The profiler behind the "Measure this device" view: where it runs (a worker, or the same handler
 * on the main thread for comparison), which backends it offers, the page's visibility passed on to
 * it, and starting a fresh one after a crash. ProfileState (profile.svelte.ts) runs measurements
 * through it.
 */
import type { MeasurementBackend } from '../latency/environment';
import { PROFILER_EVENTS, type BackendAvailability, type ProfilerEventType, type ProfilerRequest, type ProfilerResponse } from '../workers/profiler-messages';
import { RpcClient, WorkerRequestError, WorkerStoppedError, type RpcPort } from '../workers/rpc';
import { ProfileCalibration, type ProfileCalibrationDeps } from './profile-calibration.svelte';
import type { ProfileSource } from './profile-data.svelte';

export type Thread = 'worker' | 'main';
/** The page's end of the profiler: a worker, or the handler on this thread (`handlerPort`). */
export type ProfilerPort = RpcPort<ProfilerRequest, ProfilerResponse>;
export type ProfilerClient = RpcClient<ProfilerRequest, ProfilerResponse, ProfilerEventType>;

export interface ProfilerLinkDeps extends ProfileCalibrationDeps {
  /** Starts the profiler where `thread` says; the state talks to it through the app's worker client (rpc.ts). */
  createPort(thread: Thread): Promise<ProfilerPort>;
}

/** Where the page's visibility comes from (the document). */
export interface VisibilitySource {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export abstract class ProfilerLink extends ProfileCalibration {
  backends = $state.raw<BackendAvailability[]>([]);
  defaultBackend = $state<MeasurementBackend | null>(null);
  defaultReason = $state('');
  timerResolutionMs = $state<number | null>(null);
  isolated = $state<boolean | null>(null);
  detecting = $state(false);
  selected = $state<MeasurementBackend[]>([]);
  thread = $state<Thread>('worker');
  /** Why the profiler stopped (it crashed), or null while it runs; `restart()` starts a fresh one. */
  crashed = $state<string | null>(null);

  readonly #createPort: ProfilerLinkDeps['createPort'];
  #client: ProfilerClient | null = null;
  #portThread: Thread | null = null;
  #nextRequest = 1;
  #hidden = false;
  #unwatch: (() => void) | null = null;

  constructor(source: ProfileSource, deps: ProfilerLinkDeps) {
    super(source, deps);
    this.#createPort = deps.createPort;
  }

  /** Where the timing runs; switching re-detects the backends there. */
  async setThread(thread: Thread): Promise<void> {
    if (this.running || thread === this.thread) return;
    this.thread = thread;
    await this.detect();
  }

  async detect(): Promise<void> {
    this.detecting = true;
    this.error = null;
    let client: ProfilerClient | null = null;
    try {
      client = await this.clientFor(this.thread);
      this.#detected(await client.request({ type: 'detect', requestId: this.nextRequestId() }, { expect: 'detected' }));
    } catch (error) {
      if (client && client !== this.#client) return; // replaced meanwhile (another thread): its detection no longer counts
      const message = (error as Error).message;
      this.error = error instanceof WorkerRequestError || error instanceof WorkerStoppedError ? message : `The profiler could not start: ${message}`;
    } finally {
      if (!client || client === this.#client) this.detecting = false;
    }
  }

  /** Starts a fresh profiler after a crash and detects the backends again. */
  async restart(): Promise<void> {
    this.crashed = null;
    this.error = null;
    await this.detect();
  }

  /** The page's visibility, passed on to the profiler (hidden-tab samples are discarded). */
  setHidden(hidden: boolean): void {
    this.#hidden = hidden;
    this.#client?.post({ type: 'visibility', hidden });
  }

  /** Passes `source`'s visibility on to the profiler (now and on every change) until `dispose()`. */
  watchVisibility(source: VisibilitySource): void {
    this.#unwatch?.();
    const onChange = () => this.setHidden(source.visibilityState === 'hidden');
    source.addEventListener('visibilitychange', onChange);
    this.#unwatch = () => source.removeEventListener('visibilitychange', onChange);
    onChange();
  }

  /** Stops watching the page's visibility and stops the profiler (a run in progress ends with it). */
  dispose(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    const client = this.#client;
    this.#client = null;
    client?.terminate();
  }

  toggleBackend(name: MeasurementBackend, on: boolean): void {
    const next = new Set(this.selected);
    if (on) next.add(name);
    else next.delete(name);
    // Keep the offered order (WebGPU, WebGL, WASM, CPU) so runs and columns are predictable.
    this.selected = this.backends.map((b) => b.name).filter((n) => next.has(n));
  }

  /** Whether the page is hidden now (the profiler discards samples taken then). */
  protected get hidden(): boolean {
    return this.#hidden;
  }

  /** Where the current profiler runs (null before the first one started). */
  protected get portThread(): Thread | null {
    return this.#portThread;
  }

  protected nextRequestId(): number {
    return this.#nextRequest++;
  }

  /** Sends a message to the current profiler, if there is one (pause, resume, cancel). */
  protected post(message: ProfilerRequest): void {
    this.#client?.post(message);
  }

  /** The profiler on `thread`: the current one, or a fresh one (another thread, or the last one crashed). */
  protected async clientFor(thread: Thread): Promise<ProfilerClient> {
    if (this.#client && this.#portThread === thread && !this.#client.crashed) return this.#client;
    const previous = this.#client;
    this.#client = null;
    previous?.terminate();
    const port = await this.#createPort(thread);
    const client: ProfilerClient = new RpcClient(() => port, {
      name: thread === 'worker' ? 'profiler worker' : 'profiler',
      events: PROFILER_EVENTS,
      // Only a profiler that could not start answers without a request id: it is of no use then.
      onUnsolicited: (message) => {
        if (message.type === 'error') client.terminate(message.message);
      },
      onCrash: (error) => {
        if (client === this.#client) this.crashed = error.message;
      },
    });
    this.#client = client;
    this.#portThread = thread;
    this.crashed = null;
    client.post({ type: 'visibility', hidden: this.#hidden });
    return client;
  }

  #detected(message: Extract<ProfilerResponse, { type: 'detected' }>): void {
    this.backends = message.backends;
    this.defaultBackend = message.defaultBackend;
    this.defaultReason = message.reason;
    this.timerResolutionMs = message.timerResolutionMs;
    this.isolated = message.crossOriginIsolated;
    const offered = new Set(message.backends.filter((b) => b.available).map((b) => b.name));
    const kept = this.selected.filter((name) => offered.has(name));
    this.selected = kept.length ? kept : [message.defaultBackend];
  }
}
