import { describe, expect, test } from 'vitest';
import { classifyGpuFault, describeGpuFault, gpuFaultMessage, GpuFaultWatch, type GpuDeviceLike } from './gpu-faults';

describe('classifyGpuFault', () => {
  test.each([
    ["Failed to execute 'createBuffer' on 'GPUDevice': createBuffer failed, size (2147483652) is too large for the implementation when mappedAtCreation == true", 'buffer-limit'],
    ['Buffer size (4294967296) exceeds the max buffer size limit (2147483648).', 'buffer-limit'],
    ['Binding size (268435456) is larger than the maximum binding size (134217728). maxStorageBufferBindingSize', 'buffer-limit'],
    ['GPUOutOfMemoryError: Out of memory', 'out-of-memory'],
    ['Failed to allocate texture of 8192x8192', 'out-of-memory'],
    ["Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost", 'device-lost'],
    ['Instance dropped the device: the GPU device was lost (DXGI_ERROR_DEVICE_REMOVED)', 'device-lost'],
    ['WebGL context lost.', 'device-lost'],
    ['CONTEXT_LOST_WEBGL', 'device-lost'],
  ])('%s → %s', (message, kind) => {
    expect(classifyGpuFault(message, 'webgpu')).toBe(kind);
    expect(classifyGpuFault(message, 'webgl')).toBe(kind);
    // backend not known: only when the message names the GPU
    expect(classifyGpuFault(message)).toBe(/gpu|webgl|createBuffer/i.test(message) ? kind : null);
  });

  test('other errors, any error on a host-memory backend, and a crashed worker are no GPU fault', () => {
    expect(classifyGpuFault('AbortError: cancelled', 'webgpu')).toBeNull();
    expect(classifyGpuFault('graphs[3]: expected 9 nodes', 'webgpu')).toBeNull();
    expect(classifyGpuFault('Out of memory: Cannot allocate Wasm memory for new instance', 'wasm')).toBeNull();
    expect(classifyGpuFault("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost", 'cpu')).toBeNull();
    expect(classifyGpuFault('The compute worker stopped unexpectedly: out of memory. Start it again to go on.')).toBeNull();
    expect(classifyGpuFault("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost")).toBe('device-lost');
  });

  test('a message this module wrote keeps its kind on any backend (it crossed from the worker)', () => {
    for (const kind of ['device-lost', 'out-of-memory', 'buffer-limit'] as const) {
      const message = gpuFaultMessage(kind, 'x');
      expect(classifyGpuFault(message, 'wasm')).toBe(kind);
      expect(describeGpuFault(new Error(message))).toEqual({ kind, message });
    }
  });
});

describe('gpuFaultMessage', () => {
  test('one message: what happened, the first line of the detail, what is kept, and the offer', () => {
    expect(gpuFaultMessage('buffer-limit', 'createBuffer failed, size (12) is too large.\n    at x (y.js:1)')).toBe(
      "The GPU stopped (a buffer over the adapter's limits): createBuffer failed, size (12) is too large. Already trained/saved work is kept. Run again on WASM?",
    );
    expect(gpuFaultMessage('device-lost', 'a'.repeat(500)).length).toBeLessThan(300);
    expect(describeGpuFault(new Error('Device is lost'), 'webgpu')).toEqual({
      kind: 'device-lost',
      message: 'The GPU stopped (device lost): Device is lost. Already trained/saved work is kept. Run again on WASM?',
    });
    expect(describeGpuFault(new Error('bad settings'), 'webgpu')).toBeNull();
  });
});

describe('GpuFaultWatch', () => {
  function fakeDevice() {
    let lose!: (info: { reason?: string; message?: string }) => void;
    const listeners: ((event: { error?: { message?: string; constructor?: { name?: string } } }) => void)[] = [];
    const device: GpuDeviceLike = {
      lost: new Promise((resolve) => (lose = resolve)),
      addEventListener: (_type, listener) => listeners.push(listener),
    };
    return { device, lose, raise: (error: { message?: string; constructor?: { name?: string } }) => listeners.forEach((l) => l({ error })) };
  }

  test('a lost device stops the next step with its message; a deliberate release does not', async () => {
    const { device, lose } = fakeDevice();
    const watch = new GpuFaultWatch(device);
    expect(() => watch.throwIfFaulted()).not.toThrow();
    lose({ reason: 'unknown', message: 'GPU process crashed' });
    await Promise.resolve();
    expect(() => watch.throwIfFaulted()).toThrow('The GPU stopped (device lost): GPU process crashed. Already trained/saved work is kept. Run again on WASM?');
    const released = fakeDevice();
    const quiet = new GpuFaultWatch(released.device);
    released.lose({ reason: 'destroyed', message: '' });
    await Promise.resolve();
    expect(quiet.fault).toBeNull();
  });

  test('uncaptured errors: out of memory by its class, a too-large buffer by its text, others ignored; the first fault is kept', () => {
    const { device, raise } = fakeDevice();
    const watch = new GpuFaultWatch(device);
    raise({ message: 'Shader compilation note', constructor: { name: 'GPUValidationError' } });
    expect(watch.fault).toBeNull();
    raise({ message: 'Allocation failed', constructor: { name: 'GPUOutOfMemoryError' } });
    raise({ message: 'createBuffer failed, size (9) is too large for the implementation', constructor: { name: 'GPUValidationError' } });
    expect(watch.fault?.kind).toBe('out-of-memory');
    const other = fakeDevice();
    const second = new GpuFaultWatch(other.device);
    other.raise({ message: 'createBuffer failed, size (9) is too large for the implementation', constructor: { name: 'GPUValidationError' } });
    expect(second.fault?.kind).toBe('buffer-limit');
  });
});
