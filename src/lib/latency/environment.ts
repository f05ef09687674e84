/**
 * The environment fingerprint stored with every latency measurement, and the device profile it
 * belongs to. Nothing here touches the page: the browser facts come in through small structural
 * interfaces (`navigator`-like, `GPU`-like objects), so a worker, a test or the main thread can
 * each supply what it can see. Visibility, for instance, exists only on the main thread and is
 * passed in.
 */

/** The tfjs backends the profiler can time, in the order the UI offers them. */
export const MEASUREMENT_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type MeasurementBackend = (typeof MEASUREMENT_BACKENDS)[number];

export function isMeasurementBackend(name: string): name is MeasurementBackend {
  return (MEASUREMENT_BACKENDS as readonly string[]).includes(name);
}

/** Flat on purpose: every field is one CSV column (measurements-csv.ts). */
export interface MeasurementEnvironment {
  userAgent: string;
  backend: MeasurementBackend;
  tfjsVersion: string;
  /** WebGPU adapter facts; '' when the backend is not WebGPU or the browser hides them. */
  adapterVendor: string;
  adapterArchitecture: string;
  adapterDescription: string;
  /** The WebGPU power preference the adapter was requested with; '' off WebGPU. It picks the GPU on dual-GPU laptops. */
  powerPreference: '' | 'high-performance' | 'low-power';
  /** Whether the adapter offers `timestamp-query` (kernel timings); null off WebGPU. */
  timestampQuery: boolean | null;
  /** COOP/COEP isolation: 5 µs timers instead of 100 µs, and WASM threads. */
  crossOriginIsolated: boolean;
  /** Measured clock resolution, ms. */
  timerResolutionMs: number;
  /** Page visibility when the measurement started. */
  visibility: 'visible' | 'hidden';
  /** `navigator.hardwareConcurrency`; null when not exposed. */
  hardwareConcurrency: number | null;
  /** When the measurement started, ISO 8601. */
  measuredAt: string;
}

/** The parts of `navigator` read here (present in windows and workers). */
export interface NavigatorLike {
  userAgent: string;
  hardwareConcurrency?: number;
  gpu?: GpuLike;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

export interface AdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  features?: { has(name: string): boolean };
}

export interface EnvironmentInput {
  navigator: NavigatorLike;
  backend: MeasurementBackend;
  tfjsVersion: string;
  crossOriginIsolated: boolean;
  timerResolutionMs: number;
  visibility: 'visible' | 'hidden';
  /** Must match what the WebGPU backend was configured with (tfjs's default is high-performance). */
  powerPreference?: 'high-performance' | 'low-power';
  measuredAt: Date;
}

/** Reads the fingerprint; asks for the WebGPU adapter only when measuring on WebGPU. */
export async function readEnvironment(input: EnvironmentInput): Promise<MeasurementEnvironment> {
  if (!isMeasurementBackend(input.backend)) throw new Error(`unknown backend '${String(input.backend)}'`);
  if (!(input.timerResolutionMs > 0)) throw new Error(`the timer resolution must be positive, got ${input.timerResolutionMs}`);
  const env: MeasurementEnvironment = {
    userAgent: input.navigator.userAgent,
    backend: input.backend,
    tfjsVersion: input.tfjsVersion,
    adapterVendor: '',
    adapterArchitecture: '',
    adapterDescription: '',
    powerPreference: '',
    timestampQuery: null,
    crossOriginIsolated: input.crossOriginIsolated,
    timerResolutionMs: input.timerResolutionMs,
    visibility: input.visibility,
    hardwareConcurrency: Number.isInteger(input.navigator.hardwareConcurrency) ? input.navigator.hardwareConcurrency! : null,
    measuredAt: input.measuredAt.toISOString(),
  };
  if (input.backend === 'webgpu') {
    const powerPreference = input.powerPreference ?? 'high-performance';
    env.powerPreference = powerPreference;
    const adapter = await input.navigator.gpu?.requestAdapter({ powerPreference });
    if (adapter) {
      env.adapterVendor = adapter.info?.vendor ?? '';
      env.adapterArchitecture = adapter.info?.architecture ?? '';
      env.adapterDescription = adapter.info?.description ?? '';
      env.timestampQuery = adapter.features?.has('timestamp-query') ?? false;
    }
  }
  return env;
}

export interface DeviceProfile {
  /** Stable key: equal for measurements that are comparable (same browser build, backend, GPU, cores, isolation). */
  id: string;
  /** Short text for the UI, e.g. "webgpu · Apple metal-3 · Chrome 126 on Macintosh". */
  label: string;
}

/** The device profile a measurement belongs to; results are grouped and compared per profile. */
export function deviceProfile(env: MeasurementEnvironment): DeviceProfile {
  const identity = [
    env.backend,
    env.userAgent,
    env.adapterVendor,
    env.adapterArchitecture,
    env.adapterDescription,
    env.powerPreference,
    String(env.hardwareConcurrency),
    String(env.crossOriginIsolated),
  ].join('\u0000');
  const gpu = [env.adapterVendor, env.adapterArchitecture || env.adapterDescription].filter(Boolean).join(' ');
  const label = [env.backend, gpu, browserSummary(env.userAgent)].filter(Boolean).join(' · ');
  return { id: `${env.backend}-${fnv1a(identity)}`, label };
}

/** "Chrome 126 on Macintosh"-style summary of a user agent; the raw string stays in the id. */
export function browserSummary(userAgent: string): string {
  // Token order matters: Edge and Opera also say "Chrome/…", Chrome also says "Safari/…".
  const tokens = [
    ['Edg', 'Edge'],
    ['OPR', 'Opera'],
    ['Firefox', 'Firefox'],
    ['Chrome', 'Chrome'],
    ['Version', 'Safari'],
  ] as const;
  let name = userAgent.slice(0, 40);
  for (const [token, browser] of tokens) {
    const version = new RegExp(`${token}/(\\d+)`).exec(userAgent)?.[1];
    if (version) {
      name = `${browser} ${version}`;
      break;
    }
  }
  const platform = /\(([^;)]+)/.exec(userAgent)?.[1]?.trim() ?? '';
  return platform ? `${name} on ${platform}` : name;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits: short, stable ids. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
