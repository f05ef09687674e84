/**
 * Replays decision rules of the latency profiler over the samples `npm run bench:latency` recorded
 * (bench-results/latency-samples.json: every sample of both passes with the probe beside it) and
 * prints, per run and rule, what the two passes would have agreed on: Spearman ρ between the
 * passes, median relative difference, spread (median IQR / median of the kept samples), and how
 * many cells would be short of `k` samples outside slow stretches (the cells a rule re-measures).
 * It also replays the few-shot calibration on each run's reference set.
 *
 *   npx tsx bench/latency-replay.ts [path/to/latency-samples.json]
 *
 * A replay cannot take samples that were never taken: a re-measurement is modelled only by the
 * later samples the bench did take for the cells it re-measured (`+ recorded re-measures` rows).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spearman } from '../src/lib/predictor/metrics';
import { analysePhases, DEFAULT_PHASE_OPTIONS, describeDisturbance, type SampleRecord } from '../src/lib/latency/phases';
import { quantileSorted, quartiles } from '../src/lib/latency/stats';
import { archStrToOps, opsToCode } from '../src/lib/spaces/nb201';
import { fewShotHere, loadWorld } from './few-shot';

interface TimelineEntry {
  cell: string;
  atS: number;
  sampleMs: number;
  probeMs: number;
  slowdown: number;
  slow: boolean;
}
interface Pass {
  run: string;
  startedAt: number;
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
type Rule = (samples: SampleRecord[], slow: boolean[], ratio: number[]) => CellValue;

const q = (xs: number[], p: number) =>
  quantileSorted(
    [...xs].sort((a, b) => a - b),
    p,
  );
const plain =
  (p: number): Rule =>
  (s) => ({
    value: q(
      s.map((r) => r.sampleMs),
      p,
    ),
    kept: s.map((r) => r.sampleMs),
    short: false,
  });
/** Samples whose probe ratio is at most `limit`, then quantile `p` of them (all samples when fewer than `k` remain). */
const probeReject =
  (limit: number, p: number, k = 5): Rule =>
  (s, _slow, ratio) => {
    const fast = s.filter((_, i) => ratio[i] <= limit).map((r) => r.sampleMs);
    const kept = fast.length >= k ? fast : s.map((r) => r.sampleMs);
    return { value: q(kept, p), kept, short: fast.length < k };
  };
const normalised: Rule = (s, _slow, ratio) => {
  const kept = s.map((r, i) => r.sampleMs / Math.max(1, ratio[i]));
  return { value: q(kept, 0.5), kept, short: false };
};
/** Samples outside the phases `analysePhases` finds, then quantile `p`. */
const outsidePhases =
  (p: number, k = 5): Rule =>
  (s, slow) => {
    const fast = s.filter((_, i) => !slow[i]).map((r) => r.sampleMs);
    const kept = fast.length >= k ? fast : s.map((r) => r.sampleMs);
    return { value: q(kept, p), kept, short: fast.length < k };
  };

/** The detector before the delayed-probe window: the running median of 3 probes alone. */
const NO_WINDOW = { busyFraction: 0.99, mergeGapMs: 0 };

interface RuleSpec {
  name: string;
  rule: Rule;
  phases?: Partial<typeof DEFAULT_PHASE_OPTIONS>;
  remeasures?: boolean;
}
const RULES: RuleSpec[] = [
  { name: 'median of the first 15', rule: plain(0.5) },
  { name: 'as recorded (kept samples, bench flags, re-measures)', rule: (s, _slow, _r) => plain(0.5)(s, _slow, _r), remeasures: true },
  { name: 'p25 of the first 15', rule: plain(0.25) },
  { name: 'p10 of the first 15', rule: plain(0.1) },
  { name: 'min of the first 15', rule: plain(0) },
  { name: 'probe ratio ≤ 1.15, median', rule: probeReject(1.15, 0.5) },
  { name: 'probe ratio ≤ 1.15, p25', rule: probeReject(1.15, 0.25) },
  { name: 'probe ratio ≤ 1.5, median', rule: probeReject(1.5, 0.5) },
  { name: 'probe-normalised median', rule: normalised },
  { name: 'outside phases (running median only), median', rule: outsidePhases(0.5), phases: NO_WINDOW },
  { name: 'outside phases (running median only), p25', rule: outsidePhases(0.25), phases: NO_WINDOW },
  { name: 'probe ratio ≤ 1.15, p25 + recorded re-measures', rule: probeReject(1.15, 0.25), remeasures: true },
  { name: 'profiler detector (running median + delayed-probe share), median of kept', rule: outsidePhases(0.5, 8), phases: {} },
  { name: 'profiler detector, p25 of kept', rule: outsidePhases(0.25, 8), phases: {} },
  { name: 'profiler detector, p10 of kept', rule: outsidePhases(0.1, 8), phases: {} },
  { name: 'profiler detector, median of kept + recorded re-measures', rule: outsidePhases(0.5, 8), phases: {}, remeasures: true },
];

/** Per cell of a pass: its samples (the first 15 in time order, or all with re-measures), with slow flags and probe ratios. */
function cellsOf(pass: Pass, spec: RuleSpec): Map<string, CellValue> {
  const records: SampleRecord[] = pass.timeline.map((t) => ({ cell: t.cell, atMs: t.atS * 1000, sampleMs: t.sampleMs, probeMs: t.probeMs }));
  const asRecorded = spec.name.startsWith('as recorded');
  const analysis = analysePhases(records, spec.phases ?? {});
  const slow = asRecorded ? pass.timeline.map((t) => t.slow) : analysis.inSlowPhase;
  // Probe ratio of each sample on its own (no smoothing): probe over the pass's fast state.
  const ratio = records.map((r, i) => r.probeMs / analysis.baselineMs[i]);
  const byCell = new Map<string, number[]>();
  records.forEach((r, i) => byCell.set(r.cell, [...(byCell.get(r.cell) ?? []), i]));
  const out = new Map<string, CellValue>();
  for (const [cell, idx] of byCell) {
    const use = spec.remeasures ? idx : idx.slice(0, FIRST_SAMPLES);
    if (asRecorded) {
      const fast = use.filter((i) => !slow[i]);
      const kept = (fast.length >= Math.ceil(FIRST_SAMPLES / 2) ? fast : use).map((i) => records[i].sampleMs);
      out.set(cell, { value: q(kept, 0.5), kept, short: false });
      continue;
    }
    out.set(
      cell,
      spec.rule(
        use.map((i) => records[i]),
        use.map((i) => slow[i]),
        use.map((i) => ratio[i]),
      ),
    );
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
    '| run | burner | ρ | median difference | pass 2 / pass 1 (median) | spread | cells short of k fast samples (both passes) | meets | cells fast in both passes: n, ρ, difference | short cells re-measured in the quiet state (model): ρ, difference |',
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
      const ok2 = model.rho >= 0.95 && model.medDiff <= 0.05;
      if (ok2) row.modelMet++;
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
console.log('| rule | runs met (of 6) | quiet | burner | cells short of k fast samples (all runs) | runs met with short cells re-measured (model) |');
console.log('|---|---|---|---|---|---|');
for (const t of tally) console.log(`| ${t.name} | ${t.met} | ${t.metQuiet} | ${t.metBurner} | ${t.short} | ${t.modelMet} |`);

// What the profiler's detector (default options, 8 fast samples of 15) reports for each recorded pass.
console.log('\n## Phases the profiler detector reports per pass (first 15 samples per cell)\n');
console.log('| run | burner | pass | summary |');
console.log('|---|---|---|---|');
for (const run of recorded.runs) {
  for (const pass of run.passes) {
    const records = pass.timeline.map((t) => ({ cell: t.cell, atMs: t.atS * 1000, sampleMs: t.sampleMs, probeMs: t.probeMs }));
    const firsts = new Map<string, number>();
    const kept = records.filter((r) => {
      const n = (firsts.get(r.cell) ?? 0) + 1;
      firsts.set(r.cell, n);
      return n <= FIRST_SAMPLES;
    });
    const a = analysePhases(kept);
    console.log(`| ${run.run} | ${run.disturbed ? 'on' : 'off'} | ${pass.run} | ${describeDisturbance(a.phases, a.remeasure.length)} |`);
  }
}

// Few-shot on each run's reference set: the cells' values by the chosen rule, scored on pass 2 by the same rule.
const world = loadWorld();
const indexOf = new Map<number, number>();
world.opsCode.forEach((code, i) => indexOf.set(code, i));
const toIndex = (cell: string) => indexOf.get(opsToCode(archStrToOps(cell)))!;
console.log('\n## Few-shot per run (reference set → pass 2)\n');
for (const spec of [RULES[0], RULES.find((r) => r.name === 'profiler detector, p10 of kept')!]) {
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
