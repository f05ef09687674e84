/**
 * The Learn view's shareable settings: one property table serialised to the URL hash like the
 * other views', every key under an `l.` prefix so it never collides with theirs. Lessons 5-7 add
 * their keys here too; a key means the same thing in every lesson that reads it.
 */
import type { PropSpec, ValuesOf } from '../state/url-hash';

export const LEARN_PROPS = {
  /** The open lesson, 1..7. */
  'l.lesson': { type: 'int', default: 1 } as PropSpec<number>,
  /**
   * Lesson 1: the cell being built, its six op codes as digits in arch-string edge order. The
   * default's node 2 leads nowhere (2→3 is none), so its graph is shared by other cells.
   */
  'l.edges': { type: 'string', default: '313030' } as PropSpec<string>,
  /** Lessons 2 and 7: the latency device, `<dataset>:<column>` (lesson 7 also `calibrated:<id>`); '' = the lesson's default. */
  'l.device': { type: 'string', default: '' } as PropSpec<string>,
  /** Lesson 3: seed of the pairs the guessing game offers; lessons 5-7: seed of their cells, trainings and searches. */
  'l.seed': { type: 'int', default: 1 } as PropSpec<number>,
  /** Lesson 4: training-set size of the latency GCN (cells). */
  'l.n': { type: 'int', default: 50 } as PropSpec<number>,
  /** Lesson 5: the cells both predictors train on (one of LESSON5_SIZES). */
  'l.cells': { type: 'int', default: 20 } as PropSpec<number>,
  /** Lesson 4: the device whose latency the GCN learns, `<dataset>:<column>`; '' = the lesson's default. */
  'l.target': { type: 'string', default: '' } as PropSpec<string>,
  /** Lesson 5: which example pair the pair picture shows (0, 1, 2, … walk through the scored cells). */
  'l.pair': { type: 'int', default: 0 } as PropSpec<number>,
  /** Lesson 6: the searches' budget (queries). */
  'l.budget': { type: 'int', default: 30 } as PropSpec<number>,
  /** Lesson 6: 1 = slow motion (each phase of the loop stays lit, one iteration at a time). */
  'l.slow': { type: 'int', default: 0 } as PropSpec<number>,
  /** Lesson 7: the latency budget as a slider position 0..1000, log scale between the device's fastest and slowest cell. */
  'l.limit': { type: 'int', default: 400 } as PropSpec<number>,
  /** Lesson 7: the table device whose Pareto front is drawn beside the chosen device's, `<dataset>:<column>`. */
  'l.other': { type: 'string', default: 'latbench:embedded_tpu_edgetpu_int8' } as PropSpec<string>,
};

export type LearnProps = ValuesOf<typeof LEARN_PROPS>;

/** Six digits 0-4, or the lesson's default when the hash holds anything else. */
export function edgesOf(props: LearnProps): string {
  return /^[0-4]{6}$/.test(props['l.edges']) ? props['l.edges'] : LEARN_PROPS['l.edges'].default;
}
