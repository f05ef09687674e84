/**
 * The Learn view's shareable settings: one property table serialised to the URL hash like the
 * other views', every key under an `l.` prefix so it never collides with theirs. Lessons 5-7 add
 * their keys here too; a key means the same thing in every lesson that reads it.
 */
import type { PropSpec, ValuesOf } from '../state/url-hash';

export const LEARN_PROPS = {
  /** The open lesson, 1..7. */
  'l.lesson': { type: 'int', default: 1 } as PropSpec<number>,
  /** Lesson 1: the cell being built, its six op codes as digits in arch-string edge order. */
  'l.edges': { type: 'string', default: '310431' } as PropSpec<string>,
  /** Lesson 2: the latency device, `<dataset>:<column>`; '' = the first device of the tables. */
  'l.device': { type: 'string', default: '' } as PropSpec<string>,
  /** Lesson 3: seed of the pairs the guessing game offers. */
  'l.seed': { type: 'int', default: 1 } as PropSpec<number>,
  /** Lesson 4: training-set size of the latency GCN (cells). */
  'l.n': { type: 'int', default: 50 } as PropSpec<number>,
  /** Lesson 4: the device whose latency the GCN learns, `<dataset>:<column>`; '' = the lesson's default. */
  'l.target': { type: 'string', default: '' } as PropSpec<string>,
};

export type LearnProps = ValuesOf<typeof LEARN_PROPS>;

/** Six digits 0-4, or the lesson's default when the hash holds anything else. */
export function edgesOf(props: LearnProps): string {
  return /^[0-4]{6}$/.test(props['l.edges']) ? props['l.edges'] : LEARN_PROPS['l.edges'].default;
}
