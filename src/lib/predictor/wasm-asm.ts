/**
 * The few WebAssembly encodings our hand-assembled SIMD modules (adamw-simd.ts, layer-simd.ts)
 * need: module framing and the instructions they use. Opcodes from the WebAssembly core spec
 * (1.0 + fixed-width SIMD); nothing is fetched and no toolchain is involved.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128, the encoding of every size and index in a module. */
export function leb(value: number): number[] {
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
export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export function section(id: number, contents: number[]): number[] {
  return [id, ...leb(contents.length), ...contents];
}

export function name(text: string): number[] {
  return [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

export const END = 0x0b;
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const I32_GE_U = 0x4f;
export const i32Const = (value: number) => [0x41, ...sleb(value)];
export const get = (local: number) => [0x20, ...leb(local)];
export const set = (local: number) => [0x21, ...leb(local)];
export const simd = (op: number) => [0xfd, ...leb(op)];
const NATURAL_16 = [0x04, 0x00]; // memarg: align 2⁴ bytes, offset 0
export const load = [...simd(0x00), ...NATURAL_16];
export const store = [...simd(0x0b), ...NATURAL_16];
export const splat = simd(0x13);
export const sqrt = simd(0xe3);
export const add = simd(0xe4);
export const sub = simd(0xe5);
export const mul = simd(0xe6);
export const div = simd(0xe7);

let support: boolean | undefined;

/**
 * Whether this engine runs WebAssembly SIMD (every current browser and node ≥ 16 do): validates
 * the smallest module using it, one function returning `f32x4.splat(0)`.
 */
export function simdSupported(): boolean {
  if (support === undefined) {
    const type = [0x60, 0, 1, V128];
    const body = [0x00, 0x43, 0, 0, 0, 0, ...splat, 0x0b]; // no locals; f32.const 0; f32x4.splat; end
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, [1, ...type]),
      ...section(3, [1, 0]),
      ...section(10, [1, ...leb(body.length), ...body]),
    ]);
    support = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(bytes);
  }
  return support;
}

/** for (counter = start; counter < limit; counter += step) body — start and limit are instructions. */
export function forLoop(counter: number, start: number[], limit: number[], step: number, body: number[]): number[] {
  return [
    ...start, ...set(counter),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(counter), ...limit, I32_GE_U, 0x0d, 1, // br_if 1: leave the block
    ...body,
    ...get(counter), ...i32Const(step), I32_ADD, ...set(counter),
    0x0c, 0, END, END, // br 0 (next iteration), end loop, end block
  ];
}
