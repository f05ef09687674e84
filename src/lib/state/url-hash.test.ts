import { describe, expect, it } from 'vitest';
import { formatHash, joinHashes, parseHash, type PropSpec } from './url-hash';

const table = {
  x: { type: 'string', default: 'latbench:desktop_cpu_i7_7820x_fp32' } as PropSpec<string>,
  mode: { type: 'string', default: 'a', oneOf: ['a', 'b'] } as PropSpec<string>,
  pin: { type: 'int', default: -1 } as PropSpec<number>,
  zoom: { type: 'numbers', default: [] as number[] } as PropSpec<number[]>,
};

describe('url hash property table', () => {
  it('round-trips non-default values and omits defaults', () => {
    const values = { x: 'nb201:c10_flops', mode: 'b', pin: 9930, zoom: [1.5, 2.25, 60, 73.5] };
    const hash = formatHash(values, table);
    expect(hash).not.toContain('pin=-1');
    expect(parseHash(hash, table)).toEqual(values);
    expect(formatHash(parseHash('', table), table)).toBe('');
  });

  it('falls back to defaults for malformed or unknown values', () => {
    const parsed = parseHash('#pin=abc&mode=zzz&zoom=1,x&extra=1', table);
    expect(parsed).toEqual({ x: table.x.default, mode: 'a', pin: -1, zoom: [] });
  });

  it('escapes separators inside values', () => {
    const values = { x: 'user:my table&co=1', mode: 'a', pin: 3, zoom: [] };
    expect(parseHash(formatHash(values, table), table)).toEqual(values);
  });
});

describe('joinHashes', () => {
  it('joins non-empty hashes and keeps every table parseable', () => {
    const other = { view: { type: 'string', default: 'explore', oneOf: ['explore', 'train'] } as PropSpec<string> };
    const joined = joinHashes(formatHash({ view: 'train' }, other), '', formatHash({ x: 'a', mode: 'a', pin: 5, zoom: [] }, table));
    expect(joined).toBe('#view=train&x=a&pin=5');
    expect(parseHash(joined, other)).toEqual({ view: 'train' });
    expect(parseHash(joined, table).pin).toBe(5);
    expect(joinHashes('', '#')).toBe('');
  });
});
