import { describe, expect, it } from 'vitest';
import { formatDuration } from './profile-format';

describe('formatDuration', () => {
  it('formats durations', () => {
    expect([formatDuration(400), formatDuration(12_300), formatDuration(65_000), formatDuration(Number.NaN)]).toEqual(['< 1 s', '12 s', '1 min 05 s', '—']);
  });
});
