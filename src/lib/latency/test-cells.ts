/** Cells shared by the latency tests: the extremes by name, and a seeded sample of dataset rows. */
import { NB201_NUM_CELLS } from '../spaces/nb201.ts';
import { mulberry32, sampleWithoutReplacement } from '../spaces/rng.ts';

/** Op digits (edge order 0→1, 0→2, 1→2, 0→3, 1→3, 2→3; 0 none … 4 avg pool) of the uniform cells. */
export const EXTREMES = { allNone: '000000', allSkip: '111111', allConv1x1: '222222', allConv3x3: '333333', allAvgPool: '444444' } as const;

/** 500 distinct numbers in 0..15624, the same in every test: dataset rows in counts.test, cell codes (`codeToOps`) elsewhere. */
export const SAMPLE_ROWS: readonly number[] = sampleWithoutReplacement(mulberry32(201), NB201_NUM_CELLS, 500);
