import { describe, expect, it } from 'vitest';
import { archStrToOps } from '../spaces/nb201';
import { executedOpCounts } from './calibration-features';

describe('executedOpCounts', () => {
  it('counts executed edges per type after pruning, zeros when disconnected', () => {
    expect(executedOpCounts(archStrToOps('|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'))).toEqual([3, 1, 1, 1]);
    // Node 1's branch never reaches the output once edge 1→3 and 1→2 are none: its 3×3 conv is pruned.
    expect(executedOpCounts(archStrToOps('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'))).toEqual([0, 0, 0, 1]);
    expect(executedOpCounts(archStrToOps('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'))).toEqual([0, 0, 0, 0]);
  });
});
