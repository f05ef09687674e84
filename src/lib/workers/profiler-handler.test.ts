/**
 * The profiler handler with a fake runner on a fake clock (each "inference" advances the clock by
 * a scripted latency), plus one run on the real tfjs cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { deviceProfile, type MeasurementBackend, type MeasurementEnvironment } from '../latency/environment';
import { createTfjsRunner } from '../latency/tfjs-runner';
import { detectTimerResolution } from '../latency/stats';
import { digitsToOps, opsToArchStr, opsToDigits, type OpVector } from '../spaces/nb201';
import { checkProfileRequest, createProfilerHandler, overallEtaMs, PROFILE_ALREADY_RUNNING, type ProfilerHandlerDeps } from './profiler-handler';
import { DEFAULT_PROFILE_SETTINGS, PROFILE_NETWORK, type ProfileCell, type ProfilerRequest, type ProfilerResponse } from './profiler-messages';

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

function environment(backend: MeasurementBackend, hidden: boolean, timerResolutionMs: number): MeasurementEnvironment {
  return {
    userAgent: 'test agent',
    backend,
    tfjsVersion: '4.22.0',
    adapterVendor: '',
    adapterArchitecture: '',
    adapterDescription: '',
    powerPreference: '',
    timestampQuery: null,
    crossOriginIsolated: false,
    timerResolutionMs,
    visibility: hidden ? 'hidden' : 'visible',
    hardwareConcurrency: 2,
    measuredAt: '2026-01-01T00:00:00.000Z',
  };
}

interface FakeModel {
  digits: string;
}

/** µs per inference by cell; the backend scales it (webgl is 2× slower here). */
const LATENCY_US: Record<string, number> = { '333333': 800, '222222': 300, '111111': 50, '444444': 500 };
const SCALE: Record<string, number> = { wasm: 1, webgl: 2, cpu: 5, webgpu: 0.5 };

interface Harness {
  deps: ProfilerHandlerDeps<FakeModel>;
  handle: (request: ProfilerRequest) => Promise<void>;
  messages: ProfilerResponse[];
  used: MeasurementBackend[];
  live: number;
  runs: number;
  /** Called at the start of every run with its sequence number. */
  onRun?: (call: number) => void;
  /** Called on every sleep. */
  onSleep?: () => void;
}

function harness(overrides: Partial<ProfilerHandlerDeps<FakeModel>> = {}): Harness {
  let us = 0;
  let active: MeasurementBackend = 'cpu';
  const h = { messages: [], used: [], live: 7, runs: 0 } as unknown as Harness;
  h.deps = {
    post: (message) => h.messages.push(structuredClone(message)),
    detectBackends: async () => [
      { name: 'webgpu', available: true, software: true, detail: 'software (slow)' },
      { name: 'webgl', available: true, detail: 'ANGLE' },
      { name: 'wasm', available: true, threads: 2, detail: '2 threads' },
      { name: 'cpu', available: true, detail: 'plain JavaScript (slow)' },
    ],
    chooseDefault: async () => {
      active = 'wasm';
      return { name: 'wasm', reason: 'WASM; no real GPU adapter' };
    },
    useBackend: async (name) => {
      h.used.push(name);
      active = name;
    },
    runner: {
      get backend() {
        return active;
      },
      build: async (ops: OpVector) => {
        h.live += 4;
        us += 200;
        return { digits: opsToDigits(ops) };
      },
      run: async (model, k) => {
        h.onRun?.(h.runs++);
        us += k * LATENCY_US[model.digits] * SCALE[active];
      },
      dispose: () => {
        h.live -= 4;
      },
      numTensors: () => h.live,
    },
    environment: async ({ backend, hidden, timerResolutionMs }) => environment(backend, hidden, timerResolutionMs),
    now: () => Math.floor(us / 100) / 10, // a 100 µs grain, like a page that is not cross-origin isolated
    sleep: async (ms) => {
      us += ms * 1000;
      h.onSleep?.();
      await macrotask();
    },
    timerResolutionMs: () => 0.1,
    wasmThreads: () => (active === 'wasm' ? 2 : null),
    crossOriginIsolated: false,
    ...overrides,
  };
  h.handle = createProfilerHandler(h.deps);
  return h;
}

const cell = (index: number, digits: string): ProfileCell => ({ index, ops: digitsToOps(digits) });
const CELLS = [cell(1462, '333333'), cell(7, '222222'), cell(9, '111111')];
const QUICK = { minSamples: 4, warmupMinRuns: 2, warmupMaxMs: 50, minSampleMs: 0 };

function profileRequest(extra: Partial<Extract<ProfilerRequest, { type: 'profile' }>> = {}): Extract<ProfilerRequest, { type: 'profile' }> {
  return { type: 'profile', requestId: 5, backends: ['wasm', 'webgl'], cells: CELLS, referenceCell: null, settings: QUICK, hidden: false, ...extra };
}

const ofType = <T extends ProfilerResponse['type']>(messages: ProfilerResponse[], type: T) => messages.filter((m): m is Extract<ProfilerResponse, { type: T }> => m.type === type);

describe('detect', () => {
  it('lists the backends, activates and names the default choice, and reports the timer', async () => {
    const h = harness();
    await h.handle({ type: 'detect', requestId: 1 });
    expect(h.messages).toEqual([
      {
        type: 'detected',
        requestId: 1,
        backends: await h.deps.detectBackends(),
        defaultBackend: 'wasm',
        reason: 'WASM; no real GPU adapter',
        crossOriginIsolated: false,
        timerResolutionMs: 0.1,
      },
    ]);
    expect(h.deps.runner.backend).toBe('wasm');
  });
});

describe('profile', () => {
  it('times every cell on each backend in turn, streaming results with their NB201 index and device profile', async () => {
    const h = harness();
    await h.handle(profileRequest());
    expect(h.used).toEqual(['wasm', 'webgl']);
    const sequence = h.messages.filter((m) => m.type !== 'progress').map((m) => (m.type === 'result' ? `${m.backend}:${m.index}` : m.type));
    expect(sequence).toEqual(['backend-started', 'wasm:1462', 'wasm:7', 'wasm:9', 'backend-finished', 'backend-started', 'webgl:1462', 'webgl:7', 'webgl:9', 'backend-finished', 'profiled']);
    const started = ofType(h.messages, 'backend-started');
    expect(started.map((s) => [s.backend, s.backendIndex, s.profile.id])).toEqual([
      ['wasm', 0, deviceProfile(environment('wasm', false, 0.1)).id],
      ['webgl', 1, deviceProfile(environment('webgl', false, 0.1)).id],
    ]);
    expect(started[0].environment.timerResolutionMs).toBe(0.1);
    const results = ofType(h.messages, 'result');
    for (const r of results) {
      expect(r.profileId).toBe(started[r.backend === 'wasm' ? 0 : 1].profile.id);
      expect(r.result.archStr).toBe(opsToArchStr(CELLS.find((c) => c.index === r.index)!.ops));
      expect(r.result.samples).toHaveLength(4);
      expect(r.result.backend).toBe(r.backend);
    }
    // The fake latencies come back as medians: 800 µs on wasm, twice that on webgl.
    const median = (backend: string, index: number) => results.find((r) => r.backend === backend && r.index === index)!.result.medianMs;
    expect(median('wasm', 1462)).toBeCloseTo(0.8, 2);
    expect(median('webgl', 1462)).toBeCloseTo(1.6, 2);
    expect(median('wasm', 9)).toBeCloseTo(0.05, 3);
    const finished = ofType(h.messages, 'backend-finished').map((m) => m.summary);
    expect(finished.map((s) => [s.backend, s.requested, s.measured, s.leakedTensors, s.cancelled, s.wasmThreads])).toEqual([
      ['wasm', 3, 3, 0, false, 2],
      ['webgl', 3, 3, 0, false, null],
    ]);
    const done = ofType(h.messages, 'profiled')[0];
    expect(done).toMatchObject({ requestId: 5, cancelled: false });
    expect(done.runs).toEqual(finished);
    expect(h.live).toBe(7);
  });

  it('reports progress with an ETA for the whole request, ending at 100 %', async () => {
    const h = harness({ progressEveryMs: 0 });
    await h.handle(profileRequest());
    const progress = ofType(h.messages, 'progress');
    const first = progress.filter((p) => p.backendIndex === 0);
    expect(first.at(-1)!.progress).toMatchObject({ done: 12, total: 12 });
    expect(progress.filter((p) => p.backendIndex === 1).at(-1)!.progress.done).toBe(12);
    expect(progress.every((p) => p.backends === 2 && p.requestId === 5)).toBe(true);
    // During the first backend the ETA includes a whole second backend: more than the first's own ETA.
    const mid = first.find((p) => p.progress.etaMs !== null && p.progress.done === 6)!;
    expect(mid.etaMs!).toBeGreaterThan(2 * mid.progress.etaMs!);
    // On the last backend nothing is left to add.
    const last = progress.find((p) => p.backendIndex === 1 && p.progress.etaMs !== null)!;
    expect(last.etaMs).toBe(last.progress.etaMs);
  });

  it('throttles progress messages but always sends the last one', async () => {
    const h = harness(); // 100 ms apart on a clock that runs ~30 ms per backend here
    await h.handle(profileRequest());
    const progress = ofType(h.messages, 'progress');
    expect(progress.length).toBeLessThanOrEqual(6);
    expect(progress.filter((p) => p.backendIndex === 0).at(-1)!.progress.done).toBe(12);
    expect(progress.filter((p) => p.backendIndex === 1).at(-1)!.progress.done).toBe(12);
  });

  it('uses the drift reference cell when given one', async () => {
    const h = harness();
    await h.handle(profileRequest({ backends: ['wasm'], referenceCell: cell(3, '444444') }));
    const summary = ofType(h.messages, 'backend-finished')[0].summary;
    expect(summary.reference?.archStr).toBe(opsToArchStr(digitsToOps('444444')));
    expect(summary.reference!.drift.length).toBeGreaterThanOrEqual(2);
    expect(summary.reference!.drift[0].ms).toBeCloseTo(0.5, 2);
    // The reference cell is not a result.
    expect(ofType(h.messages, 'result').map((r) => r.index)).toEqual([1462, 7, 9]);
  });

  it('remembers the reference cell’s fast state for the next run on the backend, which is then judged against it', async () => {
    const settings = { ...QUICK, minSamples: 15 };
    const reference = cell(3, '444444');
    const slowRun = async (h: Harness) => {
      // Everything, the reference included, takes twice as long: each run is timed twice over.
      const run = h.deps.runner.run;
      h.deps.runner.run = async (model, k) => {
        await run(model, k);
        await run(model, k);
      };
      await h.handle(profileRequest({ requestId: 6, backends: ['wasm'], referenceCell: reference, settings }));
      h.deps.runner.run = run;
      return ofType(h.messages, 'backend-finished').at(-1)!.summary.disturbance!;
    };
    const h = harness();
    await h.handle(profileRequest({ backends: ['wasm'], referenceCell: reference, settings }));
    expect(ofType(h.messages, 'backend-finished')[0].summary.disturbance!.referenceFastMs).toBeCloseTo(0.5, 1);
    const after = await slowRun(h);
    expect(after.referenceFastMs).toBeCloseTo(0.5, 1);
    expect(after.referenceSlowMs).toBeGreaterThan(0);
    // A fresh worker has nothing to compare with: the slow state is all it knows.
    const fresh = await slowRun(harness());
    expect(fresh.referenceFastMs).toBeCloseTo(1, 1);
    expect(fresh.referenceSlowMs).toBe(0);
  });

  it('reports what the samples showed of the machine in the run summary, every sample on its timeline', async () => {
    const h = harness();
    await h.handle(profileRequest({ backends: ['wasm'] }));
    const summary = ofType(h.messages, 'backend-finished')[0].summary;
    expect(summary.disturbance).toMatchObject({ phases: [], remeasured: [], summary: 'no slow phases seen' });
    expect(summary.disturbance!.timeline).toHaveLength(12);
  });

  it('refuses a bad request with one sentence and times nothing', async () => {
    const cases: [Partial<Extract<ProfilerRequest, { type: 'profile' }>>, string][] = [
      [{ backends: [] }, 'profile: choose at least one backend'],
      [{ backends: ['wasm', 'tpu' as MeasurementBackend] }, "profile: backends[1] 'tpu' is not webgpu, webgl, wasm or cpu"],
      [{ backends: ['wasm', 'wasm'] }, 'profile: backend wasm is listed twice'],
      [{ cells: [] }, 'profile: no cells to measure'],
      [{ cells: [cell(1, '333333'), cell(2, '333333')] }, 'profile: cells[1] repeats cells[0]'],
      [{ cells: [cell(15625, '333333')] }, 'profile: cells[0] index 15625 is not an NB201 index'],
      [{ cells: [{ index: 3, ops: [3, 3, 3] as never }] }, 'profile: cells[0] (NB201 index 3): an NB201 cell has 6 op codes'],
      [{ referenceCell: { index: -1, ops: digitsToOps('333333') } }, 'profile: referenceCell index -1 is not an NB201 index'],
      [{ settings: { ...QUICK, minSamples: 0 } }, 'profile: settings.minSamples must be a whole number 1..1000, got 0'],
      [{ settings: { ...QUICK, warmupMinRuns: 2.5 } }, 'profile: settings.warmupMinRuns must be a whole number 1..50, got 2.5'],
      [{ settings: { ...QUICK, warmupMaxMs: -1 } }, 'profile: settings.warmupMaxMs must be 0..60000 ms, got -1'],
    ];
    for (const [change, message] of cases) {
      const h = harness();
      await h.handle(profileRequest(change));
      expect(h.messages, message).toHaveLength(1);
      expect(h.messages[0]).toMatchObject({ type: 'error', requestId: 5 });
      expect((h.messages[0] as { message: string }).message, message).toContain(message);
      expect(h.used).toEqual([]);
    }
    expect(() => checkProfileRequest(profileRequest({ settings: DEFAULT_PROFILE_SETTINGS }))).not.toThrow();
  });

  it('pauses before the next timed step and resumes; pause and resume are acknowledged', async () => {
    const h = harness();
    const run = h.handle(profileRequest({ backends: ['wasm'] }));
    await h.handle({ type: 'pause', requestId: 5 });
    const runsWhenPaused = h.runs;
    for (let i = 0; i < 20; i++) await macrotask();
    expect(h.runs).toBe(runsWhenPaused); // nothing timed while paused
    expect(ofType(h.messages, 'profiled')).toHaveLength(0);
    await h.handle({ type: 'pause', requestId: 99 }); // another request: ignored
    await h.handle({ type: 'resume', requestId: 5 });
    await run;
    expect(h.messages.filter((m) => m.type === 'paused' || m.type === 'resumed').map((m) => m.type)).toEqual(['paused', 'resumed']);
    expect(ofType(h.messages, 'profiled')[0].cancelled).toBe(false);
    expect(ofType(h.messages, 'result')).toHaveLength(3);
  });

  it('cancels: keeps the finished cells, skips the other backends, frees every model, and can run again', async () => {
    const h = harness();
    h.onRun = (call) => {
      if (call === 40) void h.handle({ type: 'cancel', requestId: 5 });
    };
    await h.handle(profileRequest({ settings: { ...QUICK, minSamples: 8 } }));
    const done = ofType(h.messages, 'profiled')[0];
    expect(done.cancelled).toBe(true);
    expect(done.runs).toHaveLength(1);
    expect(done.runs[0]).toMatchObject({ backend: 'wasm', cancelled: true, leakedTensors: 0 });
    expect(h.used).toEqual(['wasm']);
    expect(h.live).toBe(7);
    // A second request runs (the first one no longer counts as running).
    h.onRun = undefined;
    h.messages.length = 0;
    await h.handle(profileRequest({ requestId: 6, backends: ['cpu'] }));
    expect(ofType(h.messages, 'profiled')[0]).toMatchObject({ requestId: 6, cancelled: false });
  });

  it('refuses a second run and a detection while one is running', async () => {
    const h = harness();
    const run = h.handle(profileRequest({ backends: ['wasm'] }));
    await h.handle(profileRequest({ requestId: 6 }));
    await h.handle({ type: 'detect', requestId: 7 });
    expect(ofType(h.messages, 'error')).toEqual([
      { type: 'error', requestId: 6, message: PROFILE_ALREADY_RUNNING },
      { type: 'error', requestId: 7, message: PROFILE_ALREADY_RUNNING },
    ]);
    await run;
    expect(ofType(h.messages, 'profiled')[0].requestId).toBe(5);
  });

  it('waits while the page is hidden, drops a sample the tab was hidden during, and says so', async () => {
    const h = harness();
    let hiddenPolls = 0;
    h.onRun = (call) => {
      // The page goes hidden in the middle of a sample (the message arrives while it runs).
      if (call === 20) void h.handle({ type: 'visibility', hidden: true });
    };
    h.onSleep = () => {
      if (ofType(h.messages, 'progress').some((p) => p.progress.phase === 'hidden') && ++hiddenPolls === 3) void h.handle({ type: 'visibility', hidden: false });
    };
    await h.handle(profileRequest({ backends: ['wasm'] }));
    expect(ofType(h.messages, 'progress').some((p) => p.progress.phase === 'hidden')).toBe(true);
    const results = ofType(h.messages, 'result');
    expect(results).toHaveLength(3);
    expect(results.reduce((n, r) => n + r.result.discardedHidden, 0)).toBe(1);
    expect(results.every((r) => r.result.samples.length === 4)).toBe(true);
  });

  it('reports a backend that cannot start, after the results of the ones before it', async () => {
    const h = harness();
    const use = h.deps.useBackend;
    h.deps.useBackend = async (name) => {
      if (name === 'webgl') throw new Error('webgl cannot run here: no WebGL 2 on an OffscreenCanvas in this worker');
      await use(name);
    };
    await h.handle(profileRequest());
    expect(ofType(h.messages, 'result')).toHaveLength(3);
    expect(h.messages.at(-1)).toEqual({ type: 'error', requestId: 5, message: 'webgl cannot run here: no WebGL 2 on an OffscreenCanvas in this worker' });
    expect(ofType(h.messages, 'profiled')).toHaveLength(0);
  });

  it('refuses to time one backend under the name of another', async () => {
    const h = harness({ useBackend: async () => {} }); // leaves cpu active
    await h.handle(profileRequest({ backends: ['wasm'] }));
    expect(h.messages).toEqual([{ type: 'error', requestId: 5, message: 'tfjs runs on cpu, not on wasm as asked' }]);
  });
});

describe('overallEtaMs', () => {
  it("adds the finished backends' mean time, or this one's projected total, per backend still to come", () => {
    expect(overallEtaMs(null, 100, [], 2)).toBeNull();
    expect(overallEtaMs(300, 100, [], 0)).toBe(300);
    expect(overallEtaMs(300, 100, [], 2)).toBe(300 + 2 * 400);
    expect(overallEtaMs(300, 100, [1000, 2000], 1)).toBe(300 + 1500);
  });
});

describe('the handler with the real tfjs runner (cpu backend)', () => {
  it('measures real cells without leaking a tensor', async () => {
    const messages: ProfilerResponse[] = [];
    const handle = createProfilerHandler({
      post: (m) => messages.push(m),
      detectBackends: async () => [],
      chooseDefault: async () => ({ name: 'cpu', reason: 'test' }),
      useBackend: async (name) => {
        if (!(await tf.setBackend(name))) throw new Error(`${name} did not start`);
      },
      runner: createTfjsRunner(PROFILE_NETWORK),
      environment: async ({ backend, hidden, timerResolutionMs }) => environment(backend, hidden, timerResolutionMs),
      now: () => performance.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      timerResolutionMs: () => detectTimerResolution(() => performance.now()),
      crossOriginIsolated: false,
    });
    await handle(profileRequest({ backends: ['cpu'], cells: [cell(11, '000100'), cell(12, '000200')], settings: { minSamples: 3, warmupMinRuns: 2, warmupMaxMs: 200, minSampleMs: 0 } }));
    const results = ofType(messages, 'result');
    expect(results.map((r) => r.index)).toEqual([11, 12]);
    for (const r of results) {
      expect(r.result.medianMs).toBeGreaterThan(0);
      expect(r.result.coldMs).toBeGreaterThan(0);
    }
    expect(ofType(messages, 'profiled')[0].runs[0].leakedTensors).toBe(0);
  });
});
