/**
 * Experiment for issue 18 item 3: replays the few-shot method choice on recorded bench:latency runs
 * (`bench-results/<report>-samples.json`: every sample of the reference-set run and of pass 2) and
 * scores every method on pass 2, to see what the choice rule for noisy reference cells picks and
 * what each fit would have given. A cell's latency here is the 10 % quantile of its samples outside
 * slow phases (all of them when fewer than 3 are), close to but not exactly the profiler's reading.
 * Run: npx tsx bench/few-shot-rule.tune.ts bench-results/latency-samples.json [more files]
 */
import { readFileSync } from 'node:fs';
import { calibrate, CALIBRATION_METHODS, oneStandardError, scoreHeldOut, type MeasuredCell } from '../src/lib/latency/calibration';
import { median, quartiles, quantileSorted } from '../src/lib/latency/stats';
import { archStrToOps, opsToCode } from '../src/lib/spaces/nb201';
import { loadWorld } from './few-shot';

interface Sample {
  cell: string;
  sampleMs: number;
  slow: boolean;
}

const world = loadWorld();
const indexOfCode = new Map<number, number>();
for (let i = 0; i < world.opsCode.length; i++) indexOfCode.set(world.opsCode[i], i);

function measured(timeline: Sample[]): MeasuredCell[] {
  const byCell = new Map<string, Sample[]>();
  for (const s of timeline) byCell.set(s.cell, [...(byCell.get(s.cell) ?? []), s]);
  return [...byCell].map(([cell, samples]) => {
    const quiet = samples.filter((s) => !s.slow);
    const kept = (quiet.length >= 3 ? quiet : samples).map((s) => s.sampleMs).sort((a, b) => a - b);
    const q = quartiles(kept);
    return { index: indexOfCode.get(opsToCode(archStrToOps(cell)))!, ms: quantileSorted(kept, 0.1), iqrMs: q.q3 - q.q1 };
  });
}

const pct = (v: number) => `${(100 * v).toFixed(0)} %`;
console.log('| file | run | burner | rule | noisy | chosen | ±10 % | ' + CALIBRATION_METHODS.map((m) => `${m} ±10 %`).join(' | ') + ' |');
for (const file of process.argv.slice(2)) {
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as { runs: { run: number; disturbed: boolean; passes: { timeline: Sample[] }[] }[] };
  for (const run of recorded.runs) {
    const reference = measured(run.passes[2].timeline);
    const referenceIndices = new Set(reference.map((c) => c.index));
    const heldOut = measured(run.passes[1].timeline).filter((c) => !referenceIndices.has(c.index));
    const each = CALIBRATION_METHODS.map((m) => scoreHeldOut(calibrate(world.devices, world.features, reference, { methods: [m] }).predictions, heldOut).within10);
    const chosen = calibrate(world.devices, world.features, reference);
    const score = scoreHeldOut(chosen.predictions, heldOut);
    const noisy = chosen.noise.noisy ? pct(chosen.noise.medianRelIqr ?? 0) : 'no';
    const row = (rule: string, method: string, within10: number) =>
      console.log(`| ${file.split('/').pop()} | ${run.run} | ${run.disturbed ? 'on' : 'off'} | ${rule} | ${noisy} | ${method} | ${pct(within10)} | ${each.map(pct).join(' | ')} |`);
    row('noisy: fitted models within 2 SE (the app)', chosen.method, score.within10);
    const plainTwo = chosen.noise.noisy ? oneStandardError(chosen.candidates, 2).method : chosen.method;
    row('noisy: any within 2 SE (before)', plainTwo, each[CALIBRATION_METHODS.indexOf(plainTwo)]);
    const plain = calibrate(world.devices, world.features, reference, { noisyRelIqr: Infinity });
    row('one SE, no noisy rule', plain.method, scoreHeldOut(plain.predictions, heldOut).within10);
    const byMedian = [...chosen.candidates].sort((a, b) => median(a.looErrors!) - median(b.looErrors!))[0].method;
    row('lowest median LOO error', byMedian, each[CALIBRATION_METHODS.indexOf(byMedian)]);
  }
}
