import { describe, expect, it } from 'vitest';
import { digitsToOps, eagleEncoding, encodingKey, NB201_NUM_CELLS, opsToCode, codeToOps } from '../spaces/nb201';
import { groupMembers, groupStats, indexByCode, nextSameGraph, sameGraphAs } from './space-lesson';

describe('lesson 1 groups', () => {
  it('splits the 15,625 cells into 8,687 groups of equal graphs', () => {
    const members = groupMembers();
    expect(members.length).toBe(8687);
    expect(members.reduce((n, m) => n + m.length, 0)).toBe(NB201_NUM_CELLS);
    const stats = groupStats();
    expect(stats.groups).toBe(8687);
    expect(stats.largest).toBeGreaterThan(1);
  });

  it('groups a cell with a dead branch together with its pruned twin', () => {
    // 0→2 is a conv into node 2, whose only exit (2→3) is none: pruning removes it.
    const a = opsToCode(digitsToOps('330030'));
    const same = sameGraphAs(a);
    expect(same).toContain(a);
    for (const code of same) expect(encodingKey(eagleEncoding(codeToOps(code)))).toBe(encodingKey(eagleEncoding(codeToOps(a))));
    expect(same).toContain(opsToCode(digitsToOps('300030')));
    const next = nextSameGraph(a);
    expect(next).not.toBe(a);
    expect(sameGraphAs(next)).toBe(same);
  });

  it('maps codes to indices through the ops_code column', () => {
    const opsCode = Float64Array.from({ length: NB201_NUM_CELLS }, (_, i) => (i * 7) % NB201_NUM_CELLS);
    const byCode = indexByCode(opsCode);
    expect(byCode[(3 * 7) % NB201_NUM_CELLS]).toBe(3);
    expect(new Set(byCode).size).toBe(NB201_NUM_CELLS);
  });
});
