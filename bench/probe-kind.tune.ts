/**
 * Which probe workload slows down with the networks? Times, in turn and for `seconds` (default 240),
 * the register-only loop (phases.ts `probeWorkload`), a JavaScript float loop over 1 MB, the
 * convolution probe (tfjs-runner.ts `probe` on WASM) and two NB201 networks, on tfjs WASM in Node
 * (one thread), and writes bench-results/latency-experiments/probe-kind.{json,md}: per 10 s window,
 * each one's median time over its own 10 % quantile, and how well each probe follows the networks
 * (every timing in the git-ignored probe-kind-samples.json).
 * Run it alone on the machine. Usage: npx tsx bench/probe-kind.tune.ts [seconds]
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import { archStrToOps } from '../src/lib/spaces/nb201.ts';
import { createTfjsRunner } from '../src/lib/latency/tfjs-runner.ts';
import { probeWorkload } from '../src/lib/latency/phases.ts';
import { median, quantileSorted } from '../src/lib/latency/stats.ts';
import { PROFILE_NETWORK } from '../src/lib/workers/profiler-messages.ts';

const SECONDS = Number(process.argv[2] ?? 240);
const WINDOW_S = 10;
const OUT = 'bench-results/latency-experiments/probe-kind';
const NETWORKS = ['|skip_connect~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|none~1|skip_connect~2|', '|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|none~2|'];
const COLUMNS = ['register loop', 'float loop, 1 MB', 'convolution probe', 'network A', 'network B'];

const buffer = new Float64Array(1 << 17);
function floatLoop(): number {
  let sum = 0;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < buffer.length; i++) {
      buffer[i] = buffer[i] * 0.999 + 0.001;
      sum += buffer[i];
    }
  }
  return sum;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

async function main() {
  setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  await tf.setBackend('wasm');
  const runner = createTfjsRunner(PROFILE_NETWORK);
  const convProbe = () => runner.probe();
  const models = await Promise.all(NETWORKS.map((cell) => runner.build(archStrToOps(cell))));
  const timed = (work: () => unknown) => {
    const t0 = performance.now();
    work();
    return performance.now() - t0;
  };
  const rows: number[][] = [];
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    const row = [(performance.now() - start) / 1000, timed(probeWorkload), timed(floatLoop), timed(convProbe)];
    for (const model of models) {
      const t0 = performance.now();
      await runner.run(model, 2);
      row.push((performance.now() - t0) / 2);
    }
    rows.push(row);
  }
  models.forEach((m) => runner.dispose(m));

  const fast = COLUMNS.map((_, k) =>
    quantileSorted(
      rows.map((r) => r[k + 1]).sort((a, b) => a - b),
      0.1,
    ),
  );
  const windows = new Map<number, number[][]>();
  for (const row of rows) {
    const w = Math.floor(row[0] / WINDOW_S);
    if (!windows.has(w)) windows.set(w, []);
    windows.get(w)!.push(row.slice(1).map((ms, k) => ms / fast[k]));
  }
  const table = [...windows].map(([w, ratios]) => ({ fromS: w * WINDOW_S, ratios: COLUMNS.map((_, k) => median(ratios.map((r) => r[k]))) }));
  const follow = COLUMNS.slice(0, 3).map((name, k) => ({
    probe: name,
    networkA: pearson(
      table.map((t) => t.ratios[k]),
      table.map((t) => t.ratios[3]),
    ),
    networkB: pearson(
      table.map((t) => t.ratios[k]),
      table.map((t) => t.ratios[4]),
    ),
  }));
  const date = new Date().toISOString();
  writeFileSync(`${OUT}.json`, JSON.stringify({ date, seconds: SECONDS, columns: COLUMNS, fastMs: fast, windows: table, follow }, null, 1) + '\n');
  // Every timing, for replays: over a megabyte, so git-ignored like the other *-samples.json.
  writeFileSync(`${OUT}-samples.json`, JSON.stringify({ columns: ['seconds', ...COLUMNS], rows }) + '\n');
  const md = [
    `# Which probe slows down with the networks (issue 18), ${date.slice(0, 10)}`,
    '',
    `\`npx tsx bench/probe-kind.tune.ts ${SECONDS}\`: tfjs WASM in Node, one thread, alone on the machine, no burner. Each`,
    'loop times, in turn, the three probes and one sample (2 inferences) of two NB201 networks; per window, each',
    "one's median time over its own 10 % quantile over the whole recording.",
    '',
    `Fast state, ms: ${COLUMNS.map((c, k) => `${c} ${fast[k].toFixed(2)}`).join(', ')}.`,
    '',
    `| from | ${COLUMNS.join(' | ')} |`,
    `|---|${COLUMNS.map(() => '---|').join('')}`,
    ...table.map((t) => `| ${t.fromS} s | ${t.ratios.map((r) => `${r.toFixed(2)}×`).join(' | ')} |`),
    '',
    'How well each probe follows the networks (Pearson over the windows):',
    '',
    '| probe | network A | network B |',
    '|---|---|---|',
    ...follow.map((f) => `| ${f.probe} | ${f.networkA.toFixed(3)} | ${f.networkB.toFixed(3)} |`),
    '',
  ];
  writeFileSync(`${OUT}.md`, md.join('\n'));
  console.log(md.join('\n'));
}
main();
