import { describe, expect, it } from 'vitest';
import { formatBytes, formatValue } from './format';

describe('formatValue', () => {
  it('keeps about four significant digits and the unit', () => {
    expect(formatValue(73.513333, '%')).toBe('73.51 %');
    expect(formatValue(1.34111, 'ms')).toBe('1.341 ms');
    expect(formatValue(184.7, 'MFLOPs')).toBe('184.7 MFLOPs');
    expect(formatValue(5869.2, 's')).toBe('5,869 s');
    expect(formatValue(NaN, 'ms')).toBe('—');
  });
  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MB');
  });
});
