import { describe, expect, it } from 'vitest';
import { browserSummary, deviceProfile, readEnvironment, type EnvironmentInput, type GpuLike, type MeasurementBackend } from './environment.ts';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const EDGE = `${CHROME} Edg/126.0.2592.87`;
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

function fakeGpu(calls: string[]): GpuLike {
  return {
    requestAdapter: async (options) => {
      calls.push(options?.powerPreference ?? '');
      return { info: { vendor: 'apple', architecture: 'metal-3', description: '' }, features: new Set(['timestamp-query']) };
    },
  };
}

function input(backend: MeasurementBackend, gpu?: GpuLike): EnvironmentInput {
  return {
    navigator: { userAgent: CHROME, hardwareConcurrency: 10, gpu },
    backend,
    tfjsVersion: '4.22.0',
    crossOriginIsolated: true,
    timerResolutionMs: 0.005,
    visibility: 'visible',
    measuredAt: new Date('2025-05-01T12:00:00Z'),
  };
}

describe('readEnvironment', () => {
  it('records the WebGPU adapter, its power preference and timestamp-query support', async () => {
    const calls: string[] = [];
    const env = await readEnvironment({ ...input('webgpu', fakeGpu(calls)), powerPreference: 'low-power' });
    expect(env).toEqual({
      userAgent: CHROME,
      backend: 'webgpu',
      tfjsVersion: '4.22.0',
      adapterVendor: 'apple',
      adapterArchitecture: 'metal-3',
      adapterDescription: '',
      powerPreference: 'low-power',
      timestampQuery: true,
      crossOriginIsolated: true,
      timerResolutionMs: 0.005,
      visibility: 'visible',
      hardwareConcurrency: 10,
      measuredAt: '2025-05-01T12:00:00.000Z',
    });
    expect(calls).toEqual(['low-power']);
  });

  it('does not ask for an adapter off WebGPU, and tolerates a browser without one', async () => {
    const calls: string[] = [];
    const wasm = await readEnvironment(input('wasm', fakeGpu(calls)));
    expect(calls).toEqual([]);
    expect([wasm.adapterVendor, wasm.powerPreference, wasm.timestampQuery]).toEqual(['', '', null]);
    const noGpu = await readEnvironment(input('webgpu'));
    expect([noGpu.adapterVendor, noGpu.powerPreference, noGpu.timestampQuery]).toEqual(['', 'high-performance', null]);
  });

  it('refuses an unknown backend or a non-positive timer resolution', async () => {
    await expect(readEnvironment(input('tpu' as MeasurementBackend))).rejects.toThrow(/unknown backend 'tpu'/);
    await expect(readEnvironment({ ...input('cpu'), timerResolutionMs: 0 })).rejects.toThrow(/timer resolution/);
  });
});

describe('deviceProfile', () => {
  it('gives comparable measurements the same id and anything that changes speed another', async () => {
    const base = await readEnvironment(input('webgpu', fakeGpu([])));
    const later = { ...base, measuredAt: '2025-06-01T00:00:00.000Z', visibility: 'hidden' as const, timerResolutionMs: 0.1 };
    expect(deviceProfile(later).id).toBe(deviceProfile(base).id);
    for (const change of [{ backend: 'wasm' as const }, { adapterArchitecture: 'metal-2' }, { crossOriginIsolated: false }, { userAgent: FIREFOX }, { hardwareConcurrency: 4 }]) {
      expect(deviceProfile({ ...base, ...change }).id).not.toBe(deviceProfile(base).id);
    }
    expect(deviceProfile(base).id).toMatch(/^webgpu-[0-9a-f]{8}$/);
    expect(deviceProfile(base).label).toBe('webgpu · apple metal-3 · Chrome 126 on Macintosh');
  });

  it('names the browser from its user agent', () => {
    expect(browserSummary(EDGE)).toBe('Edge 126 on Macintosh');
    expect(browserSummary(FIREFOX)).toBe('Firefox 127 on X11');
    expect(browserSummary(SAFARI)).toBe('Safari 17 on iPhone');
    expect(browserSummary('curl/8')).toBe('curl/8');
  });
});
