/**
 * Lesson 1 (the search space): which cells share the graph the GCN sees. Built on the space's
 * own grouping (`distinctEncodings`), so the lesson's 8,687 is the same number the predictors use.
 */
import { distinctEncodings, NB201_NUM_CELLS } from '../spaces/nb201';

let membersCache: Int32Array[] | undefined;

/** The cell codes of every group, each in ascending order (computed once). */
export function groupMembers(): readonly Int32Array[] {
  if (membersCache) return membersCache;
  const { groupOf, representative } = distinctEncodings();
  const lists: number[][] = Array.from({ length: representative.length }, () => []);
  for (let code = 0; code < NB201_NUM_CELLS; code++) lists[groupOf[code]].push(code);
  membersCache = lists.map((l) => Int32Array.from(l));
  return membersCache;
}

/** The cells (codes) whose GCN graph equals that of `code`, itself included. */
export function sameGraphAs(code: number): Int32Array {
  return groupMembers()[distinctEncodings().groupOf[code]];
}

/** How many groups hold exactly one cell, and the size of the largest group. */
export function groupStats(): { groups: number; singletons: number; largest: number } {
  const members = groupMembers();
  return { groups: members.length, singletons: members.filter((m) => m.length === 1).length, largest: Math.max(...members.map((m) => m.length)) };
}

/** The next cell after `code` with the same graph (wrapping round), or `code` when it is alone. */
export function nextSameGraph(code: number): number {
  const members = sameGraphAs(code);
  const at = members.indexOf(code);
  return members[(at + 1) % members.length];
}

/** NB201 index of each cell code, from the nb201 table's `ops_code` column spread by index. */
export function indexByCode(opsCodeByIndex: ArrayLike<number>): Int32Array {
  const out = new Int32Array(NB201_NUM_CELLS).fill(-1);
  for (let i = 0; i < opsCodeByIndex.length; i++) {
    const code = opsCodeByIndex[i];
    if (Number.isInteger(code) && code >= 0 && code < NB201_NUM_CELLS) out[code] = i;
  }
  return out;
}
