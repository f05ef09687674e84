/** Measurement fixtures shared by the profile tests (analysis, calibration report, ProfileState). */
import type { StoredMeasurement } from '../db/measurements';
import { digitsToOps, opsToArchStr, opsToCode } from '../spaces/nb201';
import { deviceProfile, type MeasurementBackend, type MeasurementEnvironment } from './environment';

export function environment(backend: MeasurementBackend, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0'): MeasurementEnvironment {
  return {
    userAgent,
    backend,
    tfjsVersion: '4.22.0',
    adapterVendor: '',
    adapterArchitecture: '',
    adapterDescription: '',
    powerPreference: '',
    timestampQuery: null,
    crossOriginIsolated: true,
    timerResolutionMs: 0.1,
    visibility: 'visible',
    hardwareConcurrency: 4,
    measuredAt: '2026-01-01T00:00:00.000Z',
  };
}

let nextId = 1;
export function stored(digits: string, medianMs: number, backend: MeasurementBackend = 'wasm', extra: Partial<StoredMeasurement> = {}): StoredMeasurement {
  const ops = digitsToOps(digits);
  const env = environment(backend);
  const id = nextId++;
  return {
    // Each entry its own run unless told: repeatability counts one measurement per run.
    id,
    profileId: deviceProfile(env).id,
    archIndex: opsToCode(ops),
    runId: `r${id}`,
    source: 'measured',
    archStr: opsToArchStr(ops),
    ops,
    backend,
    medianMs,
    iqrMs: 0.1,
    samples: [medianMs, medianMs, medianMs],
    k: 2,
    coldMs: 10,
    warmupRuns: 5,
    warmupStable: true,
    discardedHidden: 0,
    environment: env,
    ...extra,
  };
}
