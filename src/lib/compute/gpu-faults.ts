/**
 * GPU faults: a lost device, an out-of-memory error, or a buffer over the adapter's limits. Each
 * stops a run with one message that says what happened, that finished work is kept (saved
 * predictors, a search's checkpoints), and that WASM can take the next run. Classified from the
 * error's text, since tfjs passes WebGPU's and WebGL's failures on as plain Errors.
 */

export type GpuFaultKind = 'device-lost' | 'out-of-memory' | 'buffer-limit';

interface GpuFault {
  kind: GpuFaultKind;
  /** The one message a view shows. */
  message: string;
}

const LABELS: Record<GpuFaultKind, string> = {
  'device-lost': 'device lost',
  'out-of-memory': 'out of GPU memory',
  'buffer-limit': "a buffer over the adapter's limits",
};

const PREFIX = 'The GPU stopped (';

/** Checked in this order: a too-large buffer often loses the device right after, and says more. */
const PATTERNS: [GpuFaultKind, RegExp][] = [
  [
    'buffer-limit',
    /createBuffer failed|too large for the implementation|exceeds the (max|maximum) buffer size|max(Buffer|StorageBufferBinding|UniformBufferBinding)Size|buffer size .* (is larger than|exceeds)/i,
  ],
  ['out-of-memory', /out of memory|GPUOutOfMemoryError|OUT_OF_MEMORY|failed to allocate .*(gpu|texture|buffer)/i],
  ['device-lost', /device (was |is |has been )?lost|lost (the|its) device|GPUDevice.*lost|DEVICE_REMOVED|CONTEXT_LOST|context (was |is )?lost/i],
];

const GPU_BACKENDS = new Set(['webgpu', 'webgl']);
/** Words that tie a message to the GPU when the backend is not known. */
const NAMES_THE_GPU = /gpu|webgl|createBuffer/i;

/**
 * The kind of GPU fault an error message describes, or null. `backend`: the tfjs backend the
 * failing work ran on. On any other than webgpu and webgl nothing is a GPU fault (e.g. a WASM heap
 * out of memory); when it is not known (e.g. the worker crashed), only a message that names the
 * GPU counts. A message this module already wrote keeps its kind.
 */
export function classifyGpuFault(message: string, backend?: string | null): GpuFaultKind | null {
  if (message.startsWith(PREFIX)) {
    const label = message.slice(PREFIX.length, message.indexOf('):'));
    const kind = (Object.keys(LABELS) as GpuFaultKind[]).find((k) => LABELS[k] === label);
    if (kind) return kind;
  }
  if (backend ? !GPU_BACKENDS.has(backend) : !NAMES_THE_GPU.test(message)) return null;
  for (const [kind, pattern] of PATTERNS) if (pattern.test(message)) return kind;
  return null;
}

/** The one message for a fault: what happened, the detail (first line, shortened), what is kept, what next. */
export function gpuFaultMessage(kind: GpuFaultKind, detail: string): string {
  let line = detail
    .split('\n')[0]
    .trim()
    .replace(/[.\s]+$/, '');
  if (line.length > 200) line = `${line.slice(0, 199)}…`;
  return `${PREFIX}${LABELS[kind]}): ${line || 'no detail'}. Already trained/saved work is kept. Run again on WASM?`;
}

/** The fault an error (or message) describes, with its message; null when it is no GPU fault. */
export function describeGpuFault(error: unknown, backend?: string | null): GpuFault | null {
  const text = error instanceof Error ? error.message : String(error);
  const kind = classifyGpuFault(text, backend);
  if (!kind) return null;
  return { kind, message: text.startsWith(PREFIX) ? text : gpuFaultMessage(kind, text) };
}

/** What {@link GpuFaultWatch} needs of a GPUDevice. */
export interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  addEventListener?(type: 'uncapturederror', listener: (event: { error?: { message?: string; constructor?: { name?: string } } }) => void): void;
}

/**
 * Watches a WebGPU device for the faults that throw nowhere: the device's `lost` promise and its
 * uncaptured errors (an allocation that failed is reported there, not thrown). A run checks
 * `throwIfFaulted()` between steps, so it stops at the next one with the fault's message.
 */
export class GpuFaultWatch {
  fault: GpuFault | null = null;

  constructor(device: GpuDeviceLike) {
    void device.lost.then((info) => {
      // 'destroyed': tfjs released the device on purpose (a backend switch), not a fault.
      if (info?.reason === 'destroyed') return;
      this.#record('device-lost', info?.message || 'the browser reported the GPU device lost');
    });
    device.addEventListener?.('uncapturederror', (event) => {
      const error = event.error;
      const text = `${error?.constructor?.name ?? ''} ${error?.message ?? ''}`.trim();
      const kind = error?.constructor?.name === 'GPUOutOfMemoryError' ? 'out-of-memory' : classifyGpuFault(text, 'webgpu');
      if (kind) this.#record(kind, error?.message || text);
    });
  }

  #record(kind: GpuFaultKind, detail: string): void {
    this.fault ??= { kind, message: gpuFaultMessage(kind, detail) };
  }

  /** Throws the first fault seen, if any. */
  throwIfFaulted(): void {
    if (this.fault) throw new Error(this.fault.message);
  }
}
