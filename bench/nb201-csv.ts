/** The NB201 table read straight from ../shared/datasets for the Node tuning harnesses (*.tune.ts). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { digitsToOps, opsToCode } from '../src/lib/spaces/nb201';

/** CIFAR-100 validation and test accuracy (%) and the op code of every NB201 index. */
export function readNb201Cifar100(): { valid: Float64Array; test: Float64Array; opsCode: Float64Array } {
  const lines = readFileSync(path.resolve(import.meta.dirname, '../../shared/datasets/nb201/nb201.csv'), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const valid = new Float64Array(15625).fill(NaN);
  const test = new Float64Array(15625).fill(NaN);
  const opsCode = new Float64Array(15625);
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const index = Number(f[col('index')]);
    valid[index] = Number(f[col('c100_valid')]);
    test[index] = Number(f[col('c100_test')]);
    opsCode[index] = opsToCode(digitsToOps(f[col('ops')]));
  }
  return { valid, test, opsCode };
}
