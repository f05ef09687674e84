/**
 * Suites that read the real benchmark tables (`../shared/datasets`, or what `npm run datasets`
 * built from them). Locally a missing table skips them; under CI (`CI` or `BRP_REQUIRE_DATASETS`
 * set, as `.ci/run` does) it fails, so a CI run without the tables cannot pass by skipping.
 */
import { describe, it } from 'vitest';

export function datasetsRequired(env: Record<string, string | undefined> = process.env): boolean {
  return (Boolean(env.CI) && env.CI !== 'false') || Boolean(env.BRP_REQUIRE_DATASETS);
}

/** What a suite does: run with its tables, fail without them under CI, skip without them otherwise. */
export function dataSuiteMode(present: boolean, required = datasetsRequired()): 'run' | 'fail' | 'skip' {
  return present ? 'run' : required ? 'fail' : 'skip';
}

/** `describe(name, body)` when `present`; otherwise skipped, or one failing test under CI naming what is missing. */
export function describeWithData(present: boolean, needs: string, name: string, body: () => void): void {
  const mode = dataSuiteMode(present);
  if (mode === 'run') describe(name, body);
  else if (mode === 'skip') describe.skip(name, body);
  else {
    describe(name, () => {
      it(`needs ${needs}`, () => {
        throw new Error(`${needs} is missing: this suite cannot run, and CI must not pass by skipping it (npm run datasets reads ../shared/datasets or $BRP_DATASETS_DIR)`);
      });
    });
  }
}
