/**
 * Replays decision rules of the latency profiler over the samples `npm run bench:latency` recorded
 * (bench-results/latency-samples.json: every sample of both passes and the reference set, each
 * stamped with when it was taken) and prints, per run and rule, what the two passes would have
 * agreed on: Spearman ρ between the passes, median relative difference, spread (median IQR / median
 * of the kept samples), and how many cells would be short of `minFastSamples` samples outside slow
 * phases (the cells the profiler re-measures). The slow phases are those `analysePhases` reads from
 * the samples themselves (src/lib/latency/phases.ts); the recorded `probeMs`, `slow` and `slowdown`
 * fields come from the old probe detector and are not read. It then shows, per pass, the phases the
 * detector reports and how its slow samples line up with the CPU burner's bursts, and replays the
 * few-shot calibration on each run's reference set.
 *
 *   npx tsx bench/latency-replay.ts [path/to/latency-samples.json]
 *
 * Every rule sees each cell's first 15 samples, as the profiler's first timing does. A replay cannot
 * take samples that were never taken: a re-measurement is modelled by the value the same rule gave
 * the cell in the matching run without the burner, scaled to this pass (the "(model)" columns).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spearman } from '../src/lib/predictor/metrics';
import { analysePhases, describeDisturbance, keptSamples, resolvePhaseOptions, type PhaseOptions, type SampleRecord } from '../src/lib/latency/phases';
import { quantileSorted, quartiles } from '../src/lib/latency/stats';
import { archStrToOps, opsToCode } from '../src/lib/spaces/nb201';
import { fewShotHere, loadWorld } from './few-shot';

/** One recorded sample; the file's `probeMs`, `slowdown` and `slow` (the old probe detector's) are ignored. */
interface TimelineEntry {
  cell: string;
  atS: number;
  sampleMs: number;
}
interface Pass {
  run: string;
  startedAt: number;
  /** When the burner ran, s relative to the pass start (the clock of `atS`). */
  burnerBursts: { fromS: number; toS: number }[];
  timeline: TimelineEntry[];
}
interface Recorded {
  commit: string;
  date: string;
  runs: { run: number; disturbed: boolean; passes: Pass[] }[];
}

const FIRST_SAMPLES = 15;
const path = process.argv[2] ?? resolve(import.meta.dirname, '../bench-results/latency-samples.json');
const recorded: Recorded = JSON.parse(readFileSync(path, 'utf8'));

/** A cell's value and the samples behind it (for the spread); `short`: it would be re-measured. */
interface CellValue {
  value: number;
  kept: number[];
  short: boolean;
}

interface RuleSpec {
  name: string;
  /** The quantile of the (kept) samples that is the cell's value. */
  p: number;
  /** With the detector: `analysePhases` options; the cell keeps its samples outside slow phases. */
  phases?: Partial<PhaseOptions>;
}
const RULES: RuleSpec[] = [
  { name: 'p10 of the first 15', p: 0.1 },
  { name: 'median of the first 15', p: 0.5 },
  { name: 'detector (default options), p10 of kept', p: 0.1, phases: {} },
  { name: 'detector, slowThreshold 0.15, p10 of kept', p: 0.1, phases: { slowThreshold: 0.15 } },
  { name: 'detector, slowThreshold 0.35, p10 of kept', p: 0.1, phases: { slowThreshold: 0.35 } },
  { name: 'detector, mergeGapMs 5000, p10 of kept', p: 0.1, phases: { mergeGapMs: 5_000 } },
  { name: 'detector, minFastSamples 8, p10 of kept', p: 0.1, phases: { minFastSamples: 8 } },
];

const q = (xs: number[], p: number) =>
  quantileSorted(
    [...xs].sort((a, b) => a - b),
    p,
  );

/** A pass's records, each cell's first 15 samples in time order (the profiler's first timing). */
function firstSamples(pass: Pass): SampleRecord[] {
  const counts = new Map<string, number>();
  return [...pass.timeline]
    .sort((a, b) => a.atS - b.atS)
    .filter((t) => {
      const n = (counts.get(t.cell) ?? 0) + 1;
      counts.set(t.cell, n);
      return n <= FIRST_SAMPLES;
    })
    .map((t) => ({ cell: t.cell, atMs: t.atS * 1000, sampleMs: t.sampleMs }));
}

/** Per cell of a pass: its value by the rule, from its first 15 samples (those outside slow phases, with the detector). */
function cellsOf(pass: Pass, spec: RuleSpec): Map<string, CellValue> {
  const records = firstSamples(pass);
  const analysis = spec.phases ? analysePhases(records, spec.phases) : undefined;
  const { minFastSamples } = resolvePhaseOptions(spec.phases);
  const out = new Map<string, CellValue>();
  for (const cell of new Set(records.map((r) => r.cell))) {
    const mine = analysis ? keptSamples(records, analysis, cell, minFastSamples) : records.filter((r) => r.cell === cell);
    const fast = analysis ? records.filter((r, i) => r.cell === cell && !analysis.inSlowPhase[i]).length : Infinity;
    const kept = mine.map((r) => r.sampleMs);
    out.set(cell, { value: q(kept, spec.p), kept, short: fast < minFastSamples });
  }
  return out;
}

/**
 * Model of a re-measurement in the machine's quiet state: a cell short of fast samples takes the
 * value the same rule gave it in `quiet` (the same pass of a run without the burner, same cells),
 * scaled by the median ratio of this pass to that one over the cells that were not short.
 */
function remeasuredModel(pass: Map<string, CellValue>, quiet: Map<string, CellValue>): Map<string, CellValue> {
  const fine = [...pass].filter(([c, v]) => !v.short && quiet.has(c));
  const scale = fine.length ? quartiles(fine.map(([c, v]) => v.value / quiet.get(c)!.value)).median : 1;
  return new Map([...pass].map(([c, v]) => [c, v.short && quiet.has(c) ? { value: quiet.get(c)!.value * scale, kept: quiet.get(c)!.kept.map((x) => x * scale), short: true } : v]));
}

function compare(a: Map<string, CellValue>, b: Map<string, CellValue>, only?: (c: string) => boolean) {
  const cells = [...a.keys()].filter((c) => b.has(c) && (!only || only(c)));
  if (cells.length < 3) return { rho: NaN, medDiff: NaN, spread: [NaN, NaN], signed: NaN, short: 0, n: cells.length };
  const x = cells.map((c) => a.get(c)!.value);
  const y = cells.map((c) => b.get(c)!.value);
  const relDiff = cells.map((_, k) => Math.abs(y[k] / x[k] - 1));
  const spread = (m: Map<string, CellValue>) =>
    quartiles(
      cells.map((c) => {
        const { iqr, median } = quartiles(m.get(c)!.kept);
        return iqr / median;
      }),
    ).median;
  const signed = quartiles(cells.map((_, k) => y[k] / x[k])).median;
  const short = cells.filter((c) => a.get(c)!.short).length + cells.filter((c) => b.get(c)!.short).length;
  return { rho: spearman(x, y), medDiff: quartiles(relDiff).median, spread: [spread(a), spread(b)], signed, short, n: cells.length };
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
console.log(`# latency replay of ${path} (bench commit ${recorded.commit}, ${recorded.date})\n`);
const tally: { name: string; met: number; metQuiet: number; metBurner: number; short: number; modelMet: number }[] = [];
for (const spec of RULES) {
  console.log(`## ${spec.name}\n`);
  console.log(
    '| run | burner | ρ | median difference | pass 2 / pass 1 (median) | spread | cells short of minFastSamples fast samples (both passes) | meets | cells fast in both passes: n, ρ, difference | short cells re-measured in the quiet state (model): ρ, difference |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const row = { name: spec.name, met: 0, metQuiet: 0, metBurner: 0, short: 0, modelMet: 0 };
  for (const run of recorded.runs) {
    const [p1, p2] = run.passes.map((p) => cellsOf(p, spec));
    const r = compare(p1, p2);
    const both = compare(p1, p2, (c) => !p1.get(c)!.short && !p2.get(c)!.short);
    const quietRun = run.disturbed ? recorded.runs.find((q) => !q.disturbed && q.run === run.run - 3) : undefined;
    const model = quietRun && r.short > 0 ? compare(remeasuredModel(p1, cellsOf(quietRun.passes[0], spec)), remeasuredModel(p2, cellsOf(quietRun.passes[1], spec))) : null;
    if (model) {
      if (model.rho >= 0.95 && model.medDiff <= 0.05) row.modelMet++;
    } else if (r.rho >= 0.95 && r.medDiff <= 0.05) row.modelMet++;
    const ok = r.rho >= 0.95 && r.medDiff <= 0.05;
    if (ok) {
      row.met++;
      if (run.disturbed) row.metBurner++;
      else row.metQuiet++;
    }
    row.short += r.short;
    console.log(
      `| ${run.run} | ${run.disturbed ? 'on' : 'off'} | ${r.rho.toFixed(3)} | ${pct(r.medDiff)} | ${r.signed.toFixed(3)} | ${r.spread.map(pct).join(' / ')} | ${r.short} | ${ok ? 'meets' : '**misses**'} | ${both.n}${both.n >= 3 ? `, ${both.rho.toFixed(3)}, ${pct(both.medDiff)}` : ''} | ${model ? `${model.rho.toFixed(3)}, ${pct(model.medDiff)}` : '—'} |`,
    );
  }
  tally.push(row);
  console.log('');
}
console.log('## Summary (ρ ≥ 0.95 and median difference ≤ 5 %)\n');
console.log(`| rule | runs met (of ${recorded.runs.length}) | quiet | burner | cells short of minFastSamples fast samples (all runs) | runs met with short cells re-measured (model) |`);
console.log('|---|---|---|---|---|---|');
for (const t of tally) console.log(`| ${t.name} | ${t.met} | ${t.metQuiet} | ${t.metBurner} | ${t.short} | ${t.modelMet} |`);

// What the profiler's detector (default options) reports for each recorded pass.
console.log('\n## Phases the profiler detector reports per pass (default options, first 15 samples per cell)\n');
console.log('| run | burner | pass | summary |');
console.log('|---|---|---|---|');
for (const run of recorded.runs) {
  for (const pass of run.passes) {
    const a = analysePhases(firstSamples(pass));
    console.log(`| ${run.run} | ${run.disturbed ? 'on' : 'off'} | ${pass.run} | ${describeDisturbance(a.phases, a.remeasure.length)} |`);
  }
}

// Whether the detector finds the burner: its slow samples against the burner's bursts.
console.log('\n## Detector against the burner per pass (default options, first 15 samples per cell)\n');
console.log('| run | burner | pass | samples | in a burner burst | flagged slow | burner-time samples flagged | flagged samples in a burner burst |');
console.log('|---|---|---|---|---|---|---|---|');
for (const run of recorded.runs) {
  for (const pass of run.passes) {
    const records = firstSamples(pass);
    const { inSlowPhase } = analysePhases(records);
    const inBurst = records.map((r) => pass.burnerBursts.some((b) => r.atMs >= b.fromS * 1000 && r.atMs <= b.toS * 1000));
    const n = records.length;
    const flagged = inSlowPhase.filter(Boolean).length;
    const burst = inBurst.filter(Boolean).length;
    const both = records.filter((_, i) => inSlowPhase[i] && inBurst[i]).length;
    const share = (part: number, whole: number) => (whole > 0 ? `${pct(part / whole)} (${part}/${whole})` : '—');
    const withBursts = pass.burnerBursts.length > 0;
    console.log(
      `| ${run.run} | ${run.disturbed ? 'on' : 'off'} | ${pass.run} | ${n} | ${withBursts ? share(burst, n) : '—'} | ${share(flagged, n)} | ${withBursts ? share(both, burst) : '—'} | ${withBursts ? share(both, flagged) : '—'} |`,
    );
  }
}

// Few-shot on each run's reference set: the cells' values by the chosen rule, scored on pass 2 by the same rule.
const world = loadWorld();
const indexOf = new Map<number, number>();
world.opsCode.forEach((code, i) => indexOf.set(code, i));
const toIndex = (cell: string) => indexOf.get(opsToCode(archStrToOps(cell)))!;
console.log('\n## Few-shot per run (reference set → pass 2)\n');
for (const spec of [RULES.find((r) => r.name === 'p10 of the first 15')!, RULES.find((r) => r.name === 'detector (default options), p10 of kept')!]) {
  console.log(`### ${spec.name}\n`);
  console.log('| run | burner | reference spread | method (fallback from) | few-shot ρ / ±10 % | FLOPs ρ / ±10 % | LOO errors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const run of recorded.runs) {
    const ref = cellsOf(run.passes[2], spec);
    const second = cellsOf(run.passes[1], spec);
    const reference = [...ref].map(([cell, v]) => ({ index: toIndex(cell), ms: v.value, iqrMs: quartiles(v.kept).iqr }));
    const heldOut = [...second].map(([cell, v]) => ({ index: toIndex(cell), ms: v.value }));
    const f = fewShotHere(world, reference, heldOut);
    const loo = f.candidates.map((c) => `${c.method} ${pct(c.looError)}±${pct(c.looSe ?? 0)}`).join(', ');
    console.log(
      `| ${run.run} | ${run.disturbed ? 'on' : 'off'} | ${pct(f.noise.medianRelIqr ?? 0)} | ${f.method}${f.noise.fallbackFrom ? ` (from ${f.noise.fallbackFrom})` : ''}${f.noise.reason ? ` — ${f.noise.reason}` : ''} | ${f.spearman.toFixed(3)} / ${pct(f.within10)} | ${f.baselines.flops.spearman.toFixed(3)} / ${pct(f.baselines.flops.within10)} | ${loo} |`,
    );
  }
  console.log('');
}
