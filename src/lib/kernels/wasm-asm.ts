/**
 * The one opcode table and module builder for the WebAssembly we still emit from code: the GEMM
 * kernels (gemm.ts), whose matrix widths are baked into the instructions, the feature probes
 * below, and the row-sum kernel of predictor/distinct-rows.ts. Kernels that take their sizes at
 * run time are WebAssembly text instead (layer.wat, adamw.wat). Encodings from the WebAssembly
 * core spec (1.0 + fixed-width and relaxed SIMD); nothing is fetched and no toolchain is involved.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128, the encoding of every size and index in a module. */
function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

// ---- opcodes ---------------------------------------------------------------------------------

const END = 0x0b;
export const SELECT = 0x1b;
const I32_GE_U = 0x4f;
export const I32_LT_U = 0x49;
const I32_NE = 0x47;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const I32_AND = 0x71;
export const i32Const = (value: number) => [0x41, ...sleb(value)];
export const get = (local: number) => [0x20, ...leb(local)];
export const set = (local: number) => [0x21, ...leb(local)];
/** `br_if depth`, `br depth` */
const brIf = (depth: number) => [0x0d, ...leb(depth)];
const br = (depth: number) => [0x0c, ...leb(depth)];
/** block and loop without a result */
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];

/** An instruction of the SIMD prefix (0xfd). */
const simd = (op: number) => [0xfd, ...leb(op)];
/** v128.load / v128.store at `offset` bytes past the address, aligned to 16 bytes. */
export const loadAt = (offset: number) => [...simd(0x00), 4, ...leb(offset)];
export const storeAt = (offset: number) => [...simd(0x0b), 4, ...leb(offset)];
/** v128.load32_splat at `offset`: one float32 in all four lanes. */
export const loadSplatAt = (offset: number) => [...simd(0x09), 2, ...leb(offset)];
/** v128.const 0 */
export const ZERO_V128 = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** i8x16.shuffle picking 32-bit lanes: 0-3 from the first operand, 4-7 from the second. */
export const shuffle32 = (lanes: number[]) => [...simd(0x0d), ...lanes.flatMap((lane) => [0, 1, 2, 3].map((b) => lane * 4 + b))];
export const add = simd(0xe4); // f32x4.add
export const mul = simd(0xe6); // f32x4.mul
/** f32x4.relaxed_madd(a, b, c) = a·b + c, fused where the hardware fuses. */
export const relaxedMadd = simd(0x105);

// ---- control flow ----------------------------------------------------------------------------

/** for (counter = start; counter < limit; counter += step) body — start and limit are instructions. */
export function forLoop(counter: number, start: number[], limit: number[], step: number, body: number[]): number[] {
  return [
    ...start,
    ...set(counter),
    ...BLOCK,
    ...LOOP,
    ...get(counter),
    ...limit,
    I32_GE_U,
    ...brIf(1), // leave the block
    ...body,
    ...get(counter),
    ...i32Const(step),
    I32_ADD,
    ...set(counter),
    ...br(0),
    END,
    END, // next iteration, end loop, end block
  ];
}

/** do { body } while (pointer != end) */
export function doWhile(pointer: number, end: number, body: number[]): number[] {
  return [...LOOP, ...body, ...get(pointer), ...get(end), I32_NE, ...brIf(0), END];
}

// ---- modules ---------------------------------------------------------------------------------

function section(id: number, contents: number[]): number[] {
  return [id, ...leb(contents.length), ...contents];
}

function name(text: string): number[] {
  return [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/**
 * How a module gets its memory: 'own' defines and exports it; 'import' and 'import-shared'
 * import `env.memory` (tfjs-backend-wasm's heap, plain or, in its threaded build, shared, which
 * must declare a maximum).
 */
export type MemoryForm = 'own' | 'import' | 'import-shared';

/** The largest memory a 32-bit module can address, in 64 KiB pages. */
const MAX_PAGES = 65536;

/** A function: its type (an index into the module's types), local declarations ([count, type] runs), code (without the final end), export name. */
export interface FunctionSpec {
  type: number;
  locals: [number, number][];
  code: number[];
  export?: string;
}

/**
 * The bytes of a module of `functions`, whose types are parameter lists (`types`; no results),
 * with no memory or an imported one (a shared one declares the largest maximum, so any heap fits).
 */
export function wasmModule(types: number[][], functions: FunctionSpec[], memory?: Exclude<MemoryForm, 'own'>): Uint8Array<ArrayBuffer> {
  const exported = functions.flatMap((f, i) => (f.export === undefined ? [] : [...name(f.export), 0x00, ...leb(i)]));
  const exportCount = functions.filter((f) => f.export !== undefined).length;
  const bodies = functions.map((f) => {
    const body = [...leb(f.locals.length), ...f.locals.flatMap(([count, type]) => [...leb(count), type]), ...f.code, END];
    return [...leb(body.length), ...body];
  });
  const limits = memory === 'import-shared' ? [0x03, 0x00, ...leb(MAX_PAGES)] : [0x00, 0x00];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00, // "\0asm", version 1
    ...section(1, [...leb(types.length), ...types.flatMap((params) => [0x60, ...leb(params.length), ...params, 0])]),
    ...(memory ? section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]) : []),
    ...section(3, [...leb(functions.length), ...functions.flatMap((f) => leb(f.type))]),
    ...(exportCount > 0 ? section(7, [...leb(exportCount), ...exported]) : []),
    ...section(10, [...leb(functions.length), ...bodies.flat()]),
  ]);
}

// ---- what the engine runs ----------------------------------------------------------------------

/** Whether the engine validates a function that leaves `code`'s one v128 on the stack. */
function validatesV128(code: number[]): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  const bytes = wasmModule([[]], [{ type: 0, locals: [], code: [...code, 0x1a /* drop */] }]);
  return WebAssembly.validate(bytes);
}

let simdSupport: boolean | undefined;
let relaxedSupport: boolean | undefined;

/** Whether this engine runs WebAssembly SIMD (every current browser and node ≥ 16 do). */
export function simdSupported(): boolean {
  return (simdSupport ??= validatesV128(ZERO_V128));
}

/** Whether this engine validates `f32x4.relaxed_madd` (Chromium ≥ 114; node only with a flag). */
export function relaxedSimdSupported(): boolean {
  return (relaxedSupport ??= validatesV128([...ZERO_V128, ...ZERO_V128, ...ZERO_V128, ...relaxedMadd]));
}

/** Whether `memory` is a shared one (tfjs's threaded build, on cross-origin isolated pages). */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
}
