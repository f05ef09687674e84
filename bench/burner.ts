/**
 * A CPU burner for `BENCH_LATENCY_BURNER=1 npm run bench:latency`: one worker thread per core,
 * all busy for `onMs`, then all idle for `offMs`, in lockstep, until `stop()`. It makes a quiet
 * machine run in phases like the shared machine of issue 18 (1.5–1.8× slower for tens of seconds).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface Burner {
  /** Epoch ms the schedule started at: bursts at [start + k·(on+off), start + k·(on+off) + on). */
  startedAt: number;
  onMs: number;
  offMs: number;
  threads: number;
  /** Bursts begun so far, as epoch-ms intervals (the last one may still run). */
  bursts(): { fromMs: number; toMs: number }[];
  stop(): Promise<void>;
}

// Plain JS run by each worker: spin while the schedule says "on", sleep (Atomics.wait) while "off",
// and leave as soon as the shared stop flag is set.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { startedAt, onMs, offMs, flag } = workerData;
const stop = new Int32Array(flag);
const period = onMs + offMs;
let x = 1;
while (Atomics.load(stop, 0) === 0) {
  const into = (Date.now() - startedAt) % period;
  if (into < onMs) {
    for (let i = 0; i < 200000; i++) x = (x * 1103515245 + 12345) | 0;
  } else {
    Atomics.wait(stop, 0, 0, Math.min(250, period - into));
  }
}
`;

export function startBurner({ onMs = 40_000, offMs = 40_000, threads = availableParallelism() } = {}): Burner {
  const flag = new SharedArrayBuffer(4);
  const startedAt = Date.now();
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { startedAt, onMs, offMs, flag } }));
  for (const worker of workers) worker.unref();
  return {
    startedAt,
    onMs,
    offMs,
    threads,
    bursts() {
      const out: { fromMs: number; toMs: number }[] = [];
      for (let from = startedAt; from <= Date.now(); from += onMs + offMs) out.push({ fromMs: from, toMs: from + onMs });
      return out;
    },
    async stop() {
      Atomics.store(new Int32Array(flag), 0, 1);
      Atomics.notify(new Int32Array(flag), 0);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
