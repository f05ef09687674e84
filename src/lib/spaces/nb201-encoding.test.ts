import { describe, expect, it } from 'vitest';
import { eagleEncoding, encodingKey, type CellGraph } from './nb201-encoding.ts';
import { allCells, archStrToOps, distinctEncodings, isConnected, opsToCode, type OpCode } from './nb201.ts';

/** Rows of a row-major 0/1 matrix as strings, e.g. ['111', '010', ...]. */
function rows(data: Uint8Array, width: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < data.length / width; r++) out.push(data.subarray(r * width, (r + 1) * width).join(''));
  return out;
}

/** Test vectors copied verbatim from brp-nas-spec.md section 2.1 (output of eagle's own functions). */
const SPEC_VECTORS: { arch: string | null; vector: OpCode[]; a: string[]; x: string[] }[] = [
  {
    arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
    vector: [3, 3, 3, 1, 3, 3],
    a: ['111111111', '011100001', '001010100', '000100010', '000010010', '000001000', '000000101', '000000011', '000000001'],
    x: ['000001', '000100', '010000', '010000', '010000', '000000', '010000', '010000', '000010'],
  },
  {
    arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
    vector: [3, 3, 4, 1, 3, 1],
    a: ['111111111', '011100001', '001010100', '000100001', '000010001', '000001000', '000000101', '000000010', '000000001'],
    x: ['000001', '000100', '010000', '010000', '001000', '000000', '010000', '000000', '000010'],
  },
  {
    arch: '|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|',
    vector: [0, 0, 0, 2, 0, 0],
    a: ['111111111', '010001000', '001000000', '000100000', '000010000', '000001001', '000000100', '000000010', '000000001'],
    x: ['000001', '000100', '000000', '000000', '000000', '100000', '000000', '000000', '000010'],
  },
  {
    arch: null, // "all skip_connect"
    vector: [1, 1, 1, 1, 1, 1],
    a: ['111111111', '010000001', '001000000', '000100000', '000010000', '000001000', '000000100', '000000010', '000000001'],
    x: ['000001', '000100', '000000', '000000', '000000', '000000', '000000', '000000', '000010'],
  },
];

describe('eagleEncoding', () => {
  it.each(SPEC_VECTORS)('matches the spec test vector $vector', ({ arch, vector, a, x }) => {
    if (arch !== null) expect(archStrToOps(arch)).toEqual(vector);
    const enc = eagleEncoding(vector);
    expect(enc.nodes).toBe(9);
    expect(enc.features).toBe(6);
    expect(rows(enc.adjacency, 9)).toEqual(a);
    expect(rows(enc.x, 6)).toEqual(x);
  });

  it('has self-loops everywhere, a global row of ones, and global/input/output labels on every cell', () => {
    const violations: string[] = [];
    for (const ops of allCells()) {
      const enc = eagleEncoding(ops);
      const fail = (what: string) => violations.push(`${ops.join('')}: ${what}`);
      for (let i = 0; i < 9; i++) {
        if (enc.adjacency[i * 9 + i] !== 1) fail(`no self-loop on node ${i}`);
        if (enc.adjacency[i] !== 1) fail(`no global edge to node ${i}`);
        if (i > 0 && enc.adjacency[i * 9] !== 0) fail(`node ${i} feeds the global node`);
        for (let j = 0; j < i; j++) if (enc.adjacency[i * 9 + j] !== 0) fail(`backward edge ${i}→${j}`);
        if (enc.x.subarray(i * 6, i * 6 + 6).reduce((s, v) => s + v, 0) > 1) fail(`row ${i} of X is not one-hot`);
      }
      if (enc.x[0 * 6 + 5] !== 1 || enc.x[1 * 6 + 3] !== 1 || enc.x[8 * 6 + 4] !== 1) fail('missing global/input/output label');
    }
    expect(violations.slice(0, 5)).toEqual([]);
  });

  it('gives every disconnected cell the same bare encoding: only global edges and self-loops', () => {
    const bare = ['111111111', ...Array.from({ length: 8 }, (_, i) => '0'.repeat(i + 1) + '1' + '0'.repeat(7 - i))];
    let disconnected = 0;
    const mismatches: string[] = [];
    for (const ops of allCells()) {
      const enc = eagleEncoding(ops);
      // The input node (index 1) has an out-edge exactly when some input→output path survives.
      const inputHasEdge = enc.adjacency.subarray(9 + 2, 18).some((v) => v === 1);
      if (inputHasEdge !== isConnected(ops)) mismatches.push(`${ops.join('')}: input edge ${inputHasEdge}`);
      if (!isConnected(ops)) {
        disconnected++;
        if (rows(enc.adjacency, 9).join('/') !== bare.join('/')) mismatches.push(`${ops.join('')}: not bare`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(disconnected).toBe(341);
  });

  it('matches eagle on every one of the 15,625 cells (digest)', () => {
    // FNV-1a (32-bit) over lines "<ops digits> <A bits> <X bits>\n" for all cells in code order,
    // as printed by eagle's own get_matrix_and_ops(keep_dims=True) + get_adjacency_and_features
    // run in Python: 2,250,000 bytes hashing to 0xad98c2a4.
    let hash = 0x811c9dc5;
    let bytes = 0;
    for (const ops of allCells()) {
      const enc = eagleEncoding(ops);
      const line = `${ops.join('')} ${enc.adjacency.join('')} ${enc.x.join('')}\n`;
      for (let i = 0; i < line.length; i++) hash = Math.imul(hash ^ line.charCodeAt(i), 0x01000193) >>> 0;
      bytes += line.length;
    }
    expect(bytes).toBe(2_250_000);
    expect(hash.toString(16)).toBe('ad98c2a4');
  });

  it('rejects malformed op vectors', () => {
    expect(() => eagleEncoding([3, 3, 3] as OpCode[])).toThrow(/6 op codes/);
    expect(() => eagleEncoding([3, 3, 3, 3, 3, 5] as unknown as OpCode[])).toThrow(/6 op codes/);
  });
});

describe('encodingKey', () => {
  it('is equal exactly when A and X bytes are equal', () => {
    const cells = allCells();
    const encodings = cells.map(eagleEncoding);
    const keys = encodings.map(encodingKey);
    const bytes = (e: CellGraph) => `${e.adjacency.join('')}|${e.x.join('')}`;
    const byBytes = new Map<string, string>();
    const byKey = new Map<string, string>();
    const clashes: string[] = [];
    encodings.forEach((enc, i) => {
      const b = bytes(enc);
      if ((byBytes.get(b) ?? keys[i]) !== keys[i]) clashes.push(`cell ${i}: same bytes, different key`);
      if ((byKey.get(keys[i]) ?? b) !== b) clashes.push(`cell ${i}: same key, different bytes`);
      byBytes.set(b, keys[i]);
      byKey.set(keys[i], b);
    });
    expect(clashes.slice(0, 5)).toEqual([]);
    expect(byKey.size).toBe(8687);
    expect(byBytes.size).toBe(8687);
  });

  it('is compact and distinguishes single-bit changes and sizes', () => {
    const enc = eagleEncoding([3, 3, 3, 1, 3, 3]);
    const key = encodingKey(enc);
    expect(key.length).toBeLessThanOrEqual(30);
    const flipped = { ...enc, x: enc.x.slice() };
    flipped.x[53] ^= 1; // the very last bit
    expect(encodingKey(flipped)).not.toBe(key);
    const otherShape = { ...enc, nodes: 3, features: 18, adjacency: enc.adjacency.subarray(0, 9), x: enc.x };
    expect(encodingKey(otherShape)).not.toBe(key);
  });

  it('rejects inconsistent sizes and non-binary entries', () => {
    const enc = eagleEncoding([2, 2, 2, 2, 2, 2]);
    expect(() => encodingKey({ ...enc, nodes: 8 })).toThrow(/8 nodes/);
    const bad = { ...enc, adjacency: enc.adjacency.slice() };
    bad.adjacency[3] = 2;
    expect(() => encodingKey(bad)).toThrow(/0 or 1/);
  });
});

describe('distinctEncodings', () => {
  it('finds 8,687 groups over all cells, 8,686 over the connected ones', () => {
    const { keys, groupOf, representative } = distinctEncodings();
    expect(keys.length).toBe(8687);
    expect(representative.length).toBe(8687);
    expect(groupOf.length).toBe(15625);
    const connectedGroups = new Set<number>();
    allCells().forEach((ops, code) => {
      if (isConnected(ops)) connectedGroups.add(groupOf[code]);
    });
    expect(connectedGroups.size).toBe(8686);
  });

  it('maps each cell to the group of its own key, with the lowest code as representative', () => {
    const { keys, groupOf, representative } = distinctEncodings();
    const wrong: string[] = [];
    allCells().forEach((ops, code) => {
      const group = groupOf[code];
      if (keys[group] !== encodingKey(eagleEncoding(ops))) wrong.push(`cell ${code}: key of group ${group} differs`);
      if (representative[group] > code) wrong.push(`cell ${code}: representative ${representative[group]} is not the lowest code`);
    });
    representative.forEach((code, group) => {
      if (groupOf[code] !== group) wrong.push(`representative ${code} is not in its group ${group}`);
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    // Groups are numbered in order of first appearance.
    for (let g = 1; g < representative.length; g++) expect(representative[g]).toBeGreaterThan(representative[g - 1]);
    expect(distinctEncodings()).toBe(distinctEncodings()); // computed once
  });

  it('puts cells that differ only on a pruned edge in one group', () => {
    // Edge 0→1 is none, so whatever sits on 1→3 is dangling and pruned.
    const a = opsToCode([0, 0, 0, 2, 3, 0]);
    const b = opsToCode([0, 0, 0, 2, 4, 0]);
    const { groupOf } = distinctEncodings();
    expect(groupOf[a]).toBe(groupOf[b]);
    expect(groupOf[a]).not.toBe(groupOf[opsToCode([0, 0, 0, 3, 3, 0])]);
  });
});
