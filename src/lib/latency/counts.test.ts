/**
 * The closed-form counts against the benchmark's own numbers (shared/datasets/nb201/nb201.csv):
 * parameters and FLOPs for all three datasets (10 / 100 / 120 classes, 32 / 32 / 16 px inputs),
 * compared to the printed precision. Skipped, with a note, when the dataset is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeWithData } from '../../test-support/real-data';
import { splitSimpleCsv } from '../datasets/csv.ts';
import { digitsToOps, isConnected, NB201_NUM_CELLS, type OpCode } from '../spaces/nb201.ts';
import { planCell } from './cell-plan.ts';
import { countFlops, countParams, NB201_CELLS_PER_STAGE, NB201_STAGE_CHANNELS } from './counts.ts';
import { EXTREMES, SAMPLE_ROWS } from './test-cells.ts';

const CSV = fileURLToPath(new URL('../../../../shared/datasets/nb201/nb201.csv', import.meta.url));
const present = existsSync(CSV);
if (!present) console.warn(`counts.test: ${CSV} not found; skipping the dataset comparisons`);

const DATASETS = [
  { name: 'c10', classes: 10, inputSize: 32 },
  { name: 'c100', classes: 100, inputSize: 32 },
  { name: 'in16', classes: 120, inputSize: 16 },
] as const;

interface Row {
  ops: OpCode[];
  cells: Record<string, string>;
}

function loadRows(): Row[] {
  const table = splitSimpleCsv(readFileSync(CSV, 'utf8'));
  return table.rows.map((cells) => {
    const byName = Object.fromEntries(table.header.map((name, i) => [name, cells[i]]));
    return { ops: digitsToOps(byName.ops), cells: byName };
  });
}

/** `computed` (a raw count) equals `printed` (in millions) to the digits printed. */
function expectPrinted(computed: number, printed: string, what: string): void {
  const decimals = printed.split('.')[1]?.length ?? 0;
  const tolerance = 0.5 * 10 ** -decimals + 1e-9;
  if (Math.abs(computed / 1e6 - Number(printed)) > tolerance) {
    expect.fail(`${what}: computed ${computed / 1e6}, dataset ${printed}`);
  }
}

describeWithData(present, CSV, 'NB201 parameter and FLOP counts vs nb201.csv', () => {
  const rows = present ? loadRows() : [];
  const byOps = new Map(rows.map((row) => [row.ops.join(''), row]));
  const cases = [...Object.values(EXTREMES).map((digits) => byOps.get(digits)!), ...SAMPLE_ROWS.map((r) => rows[r])];

  it('has the table it expects', () => {
    expect(rows).toHaveLength(NB201_NUM_CELLS);
    expect(cases).toHaveLength(505);
  });

  it('matches params and FLOPs of every sampled cell and extreme, unpruned, on all three datasets', () => {
    for (const { ops, cells } of cases) {
      for (const d of DATASETS) {
        expectPrinted(countParams(ops, d.classes, { prune: false }), cells[`${d.name}_params`], `${cells.arch_str} ${d.name}_params`);
        expectPrinted(countFlops(ops, d.classes, d.inputSize, { prune: false }), cells[`${d.name}_flops`], `${cells.arch_str} ${d.name}_flops`);
      }
    }
  });

  it('matches the whole table too (all 15,625 cells, CIFAR-10)', () => {
    for (const { ops, cells } of rows) {
      expectPrinted(countParams(ops, 10, { prune: false }), cells.c10_params, `${cells.arch_str} c10_params`);
      expectPrinted(countFlops(ops, 10, 32, { prune: false }), cells.c10_flops, `${cells.arch_str} c10_flops`);
    }
  });

  it('reproduces the reference values of the README', () => {
    expect(countFlops(digitsToOps('421211'), 10, 32, { prune: false })).toBe(15_647_370);
    expect(countFlops(digitsToOps(EXTREMES.allConv3x3), 10, 32)).toBe(220_119_690);
    expect(countFlops(digitsToOps(EXTREMES.allNone), 10, 32, { prune: false })).toBe(7_783_050);
    expect(countParams(digitsToOps(EXTREMES.allConv3x3), 10)).toBe(1_531_546);
    expect(countParams(digitsToOps(EXTREMES.allNone), 10, { prune: false })).toBe(73_306);
  });

  it('pruned counts equal the dataset unless pruning removed edges, and then fall short by exactly those edges', () => {
    let unchanged = 0;
    let reduced = 0;
    for (const { ops, cells } of cases) {
      if (!isConnected(ops)) {
        expect(() => countParams(ops, 10)).toThrow(/no input→output path/);
        continue;
      }
      const { prunedEdges } = planCell(ops, true);
      const full = countParams(ops, 10, { prune: false });
      const pruned = countParams(ops, 10, { prune: true });
      const fullFlops = countFlops(ops, 10, 32, { prune: false });
      const prunedFlops = countFlops(ops, 10, 32, { prune: true });
      let missingParams = 0;
      let missingFlops = 0;
      for (const edge of prunedEdges) {
        const k = ops[edge] === 3 ? 3 : ops[edge] === 2 ? 1 : 0; // pools and skips have no weights
        NB201_STAGE_CHANNELS.forEach((c, stage) => {
          const side = 32 / 2 ** stage;
          if (k > 0) missingParams += NB201_CELLS_PER_STAGE * (k * k * c * c + 2 * c);
          if (k > 0) missingFlops += NB201_CELLS_PER_STAGE * side * side * k * k * c * c;
        });
      }
      expect(full - pruned).toBe(missingParams);
      expect(fullFlops - prunedFlops).toBe(missingFlops);
      if (prunedEdges.length === 0) {
        unchanged++;
        expectPrinted(pruned, cells.c10_params, `${cells.arch_str} pruned c10_params`);
        expectPrinted(prunedFlops, cells.c10_flops, `${cells.arch_str} pruned c10_flops`);
      } else if (missingParams > 0) reduced++;
    }
    // The sample exercises both branches.
    expect(unchanged).toBeGreaterThan(300);
    expect(reduced).toBeGreaterThan(10);
  });
});

describe('count arguments', () => {
  it('refuses bad class counts, input sizes and op vectors', () => {
    const ops = digitsToOps('333333');
    expect(() => countParams(ops, 0)).toThrow(/classes/);
    expect(() => countFlops(ops, 10, 30)).toThrow(/multiple of 4/);
    expect(() => countParams([1, 2, 3] as OpCode[], 10)).toThrow(/6 op codes/);
  });
});
