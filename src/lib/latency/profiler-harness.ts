/** The profiler tests' synthetic time: a fake clock (integer microseconds, read through a coarse timer grain) and a fake runner whose "inference" just advances that clock by a scripted latency. */
import { digitsToOps, opsToDigits, type OpVector } from '../spaces/nb201.ts';
import type { ModelRunner, ProfileRequest, ProfilerClock } from './profiler.ts';

export interface FakeModel {
  id: number;
  digits: string;
  runs: number;
}

interface Harness {
  clock: ProfilerClock & { hidden: boolean; changes: number; advanceUs(us: number): void };
  runner: ModelRunner<FakeModel>;
  /** Every run: cell digits, k, whether the page was hidden when it started. */
  log: { digits: string; k: number; hiddenAtStart: boolean }[];
  built: number;
  disposed: number;
  tensors: number;
}

/**
 * `latencyUs(digits, run)`: µs per inference for the run-th run of that model (run 0 = cold).
 * `grainUs`: the clock's resolution. `onRun`: hook called before each run advances the clock.
 */
export function harness(latencyUs: (digits: string, run: number, nowUs: number) => number, grainUs = 100, onRun?: (h: Harness, call: number) => void, leakPerModel = 0): Harness {
  let us = 0;
  const h: Harness = {
    log: [],
    built: 0,
    disposed: 0,
    tensors: 5,
    clock: {
      hidden: false,
      changes: 0,
      advanceUs(d) {
        us += Math.round(d);
      },
      now: () => (Math.floor(us / grainUs) * grainUs) / 1000,
      isHidden: () => h.clock.hidden,
      visibilityChanges: () => h.clock.changes,
      sleep: async (ms) => {
        us += Math.round(ms * 1000);
      },
    },
    runner: {
      backend: 'cpu',
      build: async (ops: OpVector) => {
        h.built++;
        h.tensors += 3;
        us += 500;
        return { id: h.built, digits: opsToDigits(ops), runs: 0 };
      },
      run: async (model, k) => {
        h.log.push({ digits: model.digits, k, hiddenAtStart: h.clock.hidden });
        onRun?.(h, h.log.length - 1);
        for (let i = 0; i < k; i++) us += latencyUs(model.digits, model.runs++, us);
      },
      dispose: () => {
        h.disposed++;
        h.tensors -= 3 - leakPerModel;
      },
    },
  };
  return h;
}

export const A = digitsToOps('333333');
export const B = digitsToOps('222222');
export const C = digitsToOps('111111');
export const REF = digitsToOps('444444');
/** Steady latencies in µs; the cold run costs 20× (shader compile). */
export const steady: Record<string, number> = { '333333': 300, '222222': 5000, '111111': 10, '444444': 1000 };
export const withCold = (digits: string, run: number) => (run === 0 ? 20 : 1) * steady[digits];

/** Synthetic runs last a few seconds at most, so a slow phase here is shorter than the 1 s a real one must last. */
const PHASES = { minPhaseMs: 0 };

export function request(h: Harness, cells: OpVector[], options: Partial<ProfileRequest<FakeModel>['options']> = {}, extra: Partial<ProfileRequest<FakeModel>> = {}): ProfileRequest<FakeModel> {
  return { cells, runner: h.runner, clock: h.clock, numTensors: () => h.tensors, options: { timerResolutionMs: 0.1, ...options }, phases: PHASES, ...extra };
}
