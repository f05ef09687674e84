/**
 * tfjs backend choice by capability and a short measured probe, never by name alone:
 * WebGPU only on a real (non-fallback) adapter, else WASM (SIMD + threads when cross-origin
 * isolated), else WebGL, else plain CPU. A software WebGPU adapter (SwiftShader) runs ~25× slower
 * than WASM, so it is only used when the user asks for it explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useSharedIdentityOnWasm } from './wasm-kernels.ts';

import type { BackendName } from './backend-names.ts';
export type { BackendName } from './backend-names.ts';

export interface AdapterFacts {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was used, skipped or failed. */
  note: string;
  /** Median time of the probe (a 1024×600 · 600×600 matmul), ms. */
  probeMs?: number;
}

export interface BackendReport {
  name: BackendName;
  /** One sentence for the UI: why this backend runs. */
  reason: string;
  tfjsVersion: string;
  crossOriginIsolated: boolean;
  wasmThreads?: number;
  adapter?: AdapterFacts;
  attempts: BackendAttempt[];
}

const SET_BACKEND_TIMEOUT_MS = 15_000;

interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<{
    info?: Partial<AdapterFacts>;
    isFallbackAdapter?: boolean;
  } | null>;
}

/** Facts about the WebGPU adapter the browser would give tfjs, or why there is none. */
export async function probeWebGpuAdapter(gpu: GpuLike | undefined): Promise<AdapterFacts | string> {
  if (!gpu) return 'this browser exposes no WebGPU (navigator.gpu is missing)';
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return 'no WebGPU adapter was offered';
    const info = adapter.info ?? {};
    return {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || /swiftshader/i.test(`${info.architecture} ${info.vendor}`),
    };
  } catch (err) {
    return `requesting a WebGPU adapter failed: ${String(err)}`;
  }
}

async function trySetBackend(name: BackendName): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`setBackend('${name}') did not settle in ${SET_BACKEND_TIMEOUT_MS / 1000} s`), SET_BACKEND_TIMEOUT_MS);
  });
  const attempt = tf
    .setBackend(name)
    .then((ok) => (ok ? null : `tfjs could not initialise '${name}'`))
    .catch((err: unknown) => `'${name}' failed to initialise: ${String(err)}`);
  const result = await Promise.race([attempt, timeout]);
  clearTimeout(timer);
  return result;
}

/** Median wall time of a GCN-sized matmul on the active backend, ms (after one warm-up). */
export async function probeMatmulMs(reps = 5): Promise<number> {
  const a = tf.randomUniform([1024, 600]);
  const b = tf.randomUniform([600, 600]);
  const times: number[] = [];
  try {
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}

export interface ChooseOptions {
  /** Backend the user asked for; used if it initialises, whatever the probe says. */
  override?: BackendName;
  /** URLs of the three tfjs-backend-wasm binaries (Vite `?url` imports). */
  wasmPaths?: Record<string, string>;
  gpu?: GpuLike;
  isolated?: boolean;
}

export async function chooseBackend(opts: ChooseOptions = {}): Promise<BackendReport> {
  const isolated = opts.isolated ?? Boolean(globalThis.crossOriginIsolated);
  if (opts.wasmPaths) setWasmPaths(opts.wasmPaths);
  useSharedIdentityOnWasm();
  // tfjs defaults to half the logical cores (1 thread on a 2-core laptop); ask for them all when the
  // page may spawn threads at all. In tfjs 4.22 the request has no effect: XNNPACK's pool stays at 1
  // thread here whatever is asked (tensorflow/tfjs#8513, open: an isolated page with 2 cores asks
  // for 2 and getThreadsCount() still says 1). The report shows the count tfjs actually uses.
  if (isolated) setThreadsCount(Math.max(1, Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 1)));
  const attempts: BackendAttempt[] = [];
  const adapter = await probeWebGpuAdapter(opts.gpu ?? (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu);
  const realGpu = typeof adapter !== 'string' && !adapter.isFallbackAdapter;
  const base = { tfjsVersion: tf.version_core, crossOriginIsolated: isolated, adapter: typeof adapter === 'string' ? undefined : adapter };

  const finish = (name: BackendName, reason: string): BackendReport => ({
    ...base,
    name,
    reason,
    wasmThreads: name === 'wasm' ? wasmThreadCount() : undefined,
    attempts,
  });

  if (opts.override) {
    const failure = await trySetBackend(opts.override);
    attempts.push({ name: opts.override, ok: !failure, note: failure ?? 'chosen by the user' });
    if (!failure) return finish(opts.override, `${opts.override} was chosen by the user`);
  }

  // Candidates in preference order; WebGPU only on a real adapter.
  const candidates: BackendName[] = [];
  if (realGpu) candidates.push('webgpu');
  else
    attempts.push({ name: 'webgpu', ok: false, note: typeof adapter === 'string' ? adapter : `adapter '${adapter.architecture || adapter.vendor}' is a software fallback (CPU emulation), skipped` });
  candidates.push('wasm');

  const probed: { name: BackendName; ms: number }[] = [];
  for (const name of candidates) {
    const failure = await trySetBackend(name);
    if (failure) {
      attempts.push({ name, ok: false, note: failure });
      continue;
    }
    // With a single candidate there is nothing to compare: skip the probe, start faster.
    const ms = candidates.length > 1 ? await probeMatmulMs() : undefined;
    attempts.push({ name, ok: true, note: 'initialised', probeMs: ms });
    probed.push({ name, ms: ms ?? 0 });
  }
  if (probed.length > 0) {
    const best = probed.reduce((a, b) => (b.ms < a.ms ? b : a));
    const failure = tf.getBackend() === best.name ? null : await trySetBackend(best.name);
    if (!failure) {
      const why =
        probed.length > 1
          ? `${best.name} was fastest on a 1024×600·600×600 matmul probe (${probed.map((p) => `${p.name} ${p.ms.toFixed(1)} ms`).join(', ')})`
          : best.name === 'wasm'
            ? `WASM${isolated ? ' with SIMD and threads' : ' (single thread: the page is not cross-origin isolated)'}; no real GPU adapter`
            : `${best.name} on a real GPU adapter`;
      return finish(best.name, why);
    }
  }
  for (const name of ['webgl', 'cpu'] as const) {
    const failure = await trySetBackend(name);
    attempts.push({ name, ok: !failure, note: failure ?? 'fallback' });
    if (!failure)
      return finish(
        name,
        `${name} fallback: ${attempts
          .filter((a) => !a.ok)
          .map((a) => a.note)
          .join('; ')}`,
      );
  }
  throw new Error(`no tfjs backend could be initialised: ${attempts.map((a) => `${a.name}: ${a.note}`).join('; ')}`);
}

function wasmThreadCount(): number | undefined {
  try {
    return getThreadsCount();
  } catch {
    return undefined;
  }
}
