/**
 * The Learn view's seven lessons: their order, their slug (used in headings and test ids) and
 * the one sentence each promises. Which ones ship is decided by the component registry
 * (components/learn/lesson-views.ts): a lesson without a working component is not listed.
 */

interface LessonMeta {
  /** 1..7, the order of the course. */
  id: number;
  slug: string;
  title: string;
  /** One sentence: what the student does and sees. */
  summary: string;
}

export const LESSONS: readonly LessonMeta[] = [
  { id: 1, slug: 'search-space', title: 'The search space', summary: 'Build a cell edge by edge and see the network it stands for and the graph the GCN sees; why 15,625 cells are 8,687 graphs.' },
  { id: 2, slug: 'benchmark', title: 'The benchmark', summary: 'Accuracy, FLOPs and latency on many devices: FLOPs rank latency well on some devices and badly on others.' },
  { id: 3, slug: 'your-device', title: 'Your device', summary: 'Guess which of two cells is faster here, measure them live, and place this device among the known ones.' },
  {
    id: 4,
    slug: 'predicting-latency',
    title: 'Predicting latency',
    summary: 'Train the latency GCN on N cells and watch its ±10 % accuracy grow against the FLOPs proxy and the few-shot calibration.',
  },
  { id: 5, slug: 'ranking', title: 'Ranking beats regression', summary: 'Train a regressor and a binary relation predictor on the same few cells and compare their rankings.' },
  { id: 6, slug: 'data-selection', title: 'Iterative data selection', summary: 'Step through the BRP-NAS loop: sample, measure, train, rank, pick the next cells.' },
  { id: 7, slug: 'hardware-aware', title: 'Hardware-aware NAS', summary: 'Set a latency budget on a device and see how the best cell and the Pareto front change.' },
];

export function lessonById(id: number): LessonMeta | undefined {
  return LESSONS.find((l) => l.id === id);
}

/** The lesson before and after `id` among `available` (in course order); null at either end. */
export function neighbourLessons(id: number, available: readonly number[]): { prev: number | null; next: number | null } {
  const sorted = [...available].sort((a, b) => a - b);
  const at = sorted.indexOf(id);
  if (at < 0) return { prev: null, next: sorted[0] ?? null };
  return { prev: at > 0 ? sorted[at - 1] : null, next: at < sorted.length - 1 ? sorted[at + 1] : null };
}
