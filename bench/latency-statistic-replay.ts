/**
 * Which statistic of a cell's samples keeps two passes of a run together, replayed on the samples
 * `npm run bench:latency` recorded (`*-samples.json`: every sample of both passes and the reference
 * set, re-measurements included, each stamped with when it was taken). Each pass is read as the app
 * reads it: `analysePhases` over all its samples, `keptSamples` per cell, then one statistic of
 * them; runs are put at one level by the anchor cells (the passes' cells that the reference set
 * also timed), the median over them of latency in the run over their median in the three runs, as
 * level-correction.ts does. Repeatability is judged on the passes' other cells: the median relative
 * difference between the passes with the anchors' levels, and (in brackets) with the level of all
 * judged cells, which no app could know, to show what is left once the level is perfect.
 *
 *   npx tsx bench/latency-statistic-replay.ts [samples.json ...]
 *
 * Writes bench-results/latency-experiments/replay-statistic.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { analysePhases, keptSamples, type PhaseAnalysis, type SampleRecord } from '../src/lib/latency/phases';
import { quantileSorted } from '../src/lib/latency/stats';

interface Recorded {
  commit: string;
  runs: { disturbed: boolean; passes: { run: string; timeline: { cell: string; atS: number; sampleMs: number }[] }[] }[];
}

const quantile = (values: readonly number[], p: number) =>
  quantileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
const median = (values: readonly number[]) => quantile(values, 0.5);

/** A statistic of one cell's samples in one pass. */
type Statistic = (records: readonly SampleRecord[], analysis: PhaseAnalysis, cell: string) => number;
const kept = (records: readonly SampleRecord[], analysis: PhaseAnalysis, cell: string) => keptSamples(records, analysis, cell, 3).map((r) => r.sampleMs);
const all = (records: readonly SampleRecord[], cell: string) => records.filter((r) => r.cell === cell).map((r) => r.sampleMs);

const STATISTICS: { name: string; of: Statistic }[] = [
  { name: 'fastest of kept (the app since session 18)', of: (r, a, c) => Math.min(...kept(r, a, c)) },
  { name: '10 % quantile of kept (the app before)', of: (r, a, c) => quantile(kept(r, a, c), 0.1) },
  { name: 'median of kept', of: (r, a, c) => median(kept(r, a, c)) },
  { name: '10 % quantile of all', of: (r, _a, c) => quantile(all(r, c), 0.1) },
  { name: '5 % quantile of all', of: (r, _a, c) => quantile(all(r, c), 0.05) },
  { name: 'median of all (D.6)', of: (r, _a, c) => median(all(r, c)) },
];

function replay(file: string): string {
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Recorded;
  const header = `| statistic | ${recorded.runs.map((r, k) => `run ${k + 1} (${r.disturbed ? 'burner' : 'quiet'})`).join(' | ')} | worst |`;
  const rows = STATISTICS.map(({ name, of }) => {
    const differences = recorded.runs.map((run) => {
      const latencies = run.passes.map((pass) => {
        const records: SampleRecord[] = pass.timeline.map((t) => ({ cell: t.cell, atMs: t.atS * 1000, sampleMs: t.sampleMs }));
        const analysis = analysePhases(records);
        return new Map([...new Set(records.map((r) => r.cell))].map((cell) => [cell, of(records, analysis, cell)]));
      });
      const [first, second, reference] = latencies;
      const anchors = [...first.keys()].filter((c) => reference.has(c) && second.has(c));
      const judged = [...first.keys()].filter((c) => second.has(c) && !reference.has(c));
      const profileMedian = (cell: string) => median(latencies.filter((m) => m.has(cell)).map((m) => m.get(cell)!));
      const level = (pass: Map<string, number>) => median(anchors.map((c) => pass.get(c)! / profileMedian(c)));
      const perfect = median(judged.map((c) => second.get(c)! / first.get(c)!));
      const difference = (l: number) => median(judged.map((c) => Math.abs(second.get(c)! / first.get(c)! / l - 1)));
      // Samples recorded before the app timed anchors (MIN_LEVEL_ANCHORS of level-correction.ts) have only the perfect level.
      return { anchors: anchors.length >= 4 ? difference(level(second) / level(first)) : null, perfect: difference(perfect) };
    });
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const cells = differences.map((d) => `${d.anchors === null ? '—' : pct(d.anchors)} (${pct(d.perfect)})`);
    return `| ${name} | ${cells.join(' | ')} | ${pct(Math.max(...differences.map((d) => d.anchors ?? d.perfect)))} |`;
  });
  return `## ${basename(file)} (bench at ${recorded.commit})\n\n${header}\n|---|${recorded.runs.map(() => '---|').join('')}---|\n${rows.join('\n')}\n`;
}

const files = process.argv.slice(2);
if (files.length === 0) files.push('bench-results/latency-samples.json');
const out = `# Median difference between the two passes of each run, by cell statistic

Replayed by \`npx tsx bench/latency-statistic-replay.ts ${files.join(' ')}\` on ${new Date().toISOString().slice(0, 10)}, with the phase detector of this commit. Each figure: the median over the judged cells of |pass 2 / pass 1 − 1| with the anchors' level (with the level of all judged cells in brackets; — where the runs timed no anchors, and the worst column then reads the bracket). Target: ≤ 5 % in every run.

${files.map(replay).join('\n')}`;
writeFileSync('bench-results/latency-experiments/replay-statistic.md', out);
console.log(out);
