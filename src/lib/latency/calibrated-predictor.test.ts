import { describe, expect, it } from 'vitest';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { sampleCalibrated } from './calibrated-fixtures';
import { calibratedToFile, checkCalibrated, measuredByIndex, parseCalibratedFile, summarise } from './calibrated-predictor';

describe('calibrated predictor file', () => {
  it('round-trips exactly, NaN predictions included', () => {
    const original = sampleCalibrated();
    const back = parseCalibratedFile(calibratedToFile(original));
    expect(back).toEqual(original);
    expect(Number.isNaN(back.predictions[0])).toBe(true);
    expect(back.predictions[1]).toBe(original.predictions[1]);
  });

  it('keeps a NaN score through JSON', () => {
    const original = sampleCalibrated();
    original.validation.flops = { cells: 2, spearman: Number.NaN, within10: Number.NaN };
    expect(Number.isNaN(parseCalibratedFile(calibratedToFile(original)).validation.flops.spearman)).toBe(true);
  });

  it('refuses hostile or broken files, naming the problem', () => {
    const good = JSON.parse(calibratedToFile(sampleCalibrated()));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test edits a file's JSON freely, as a hostile file would
    const variant = (edit: (json: any) => void) => {
      const copy = structuredClone(good);
      edit(copy);
      return JSON.stringify(copy);
    };
    expect(() => parseCalibratedFile('not json', 'x.json')).toThrow(/x.json is not JSON/);
    expect(() => parseCalibratedFile('{"format":"brp-nas-lab/predictor-file"}')).toThrow(/not a calibrated latency predictor/);
    expect(() =>
      parseCalibratedFile(
        variant((j) => {
          j.version = 9;
        }),
      ),
    ).toThrow(/version 9/);
    expect(() =>
      parseCalibratedFile(
        variant((j) => {
          j.predictor.predictions = 'AAAA';
        }),
      ),
    ).toThrow(/holds 3 bytes/);
    expect(() =>
      parseCalibratedFile(
        variant((j) => {
          j.predictor.predictions = '<script>';
        }),
      ),
    ).toThrow(/not base64/);
    expect(() =>
      parseCalibratedFile(
        variant((j) => {
          j.predictor.method = 'magic';
        }),
      ),
    ).toThrow(/'method' must be one of/);
    expect(() =>
      parseCalibratedFile(
        variant((j) => {
          j.predictor.reference[0].index = 20000;
        }),
      ),
    ).toThrow(/reference'\[0\]\.index must be an NB201 index/);
    expect(() =>
      parseCalibratedFile(
        variant((j) => {
          j.predictor.name = 'x'.repeat(400);
        }),
      ),
    ).toThrow(/'name' must be a string/);
    expect(() => parseCalibratedFile(' '.repeat(5 * 1024 * 1024))).toThrow(/at most 4 MB/);
    const negative = sampleCalibrated();
    negative.predictions[9] = -1;
    expect(() => parseCalibratedFile(calibratedToFile(negative))).toThrow(/cell #9 is -1/);
  });

  it('measuredByIndex: the reference cells at their NB201 index, NaN elsewhere', () => {
    const measured = measuredByIndex(sampleCalibrated());
    expect(measured).toHaveLength(15625);
    expect([measured[3], measured[7]]).toEqual([1.5, 2.5]);
    expect(measured.filter(Number.isFinite)).toHaveLength(2);
  });

  it('checks stored records and summarises without the predictions', () => {
    expect(() => checkCalibrated({ ...sampleCalibrated(), predictions: new Float32Array(3) }, 'stored')).toThrow(/15625 float32/);
    const summary = summarise(sampleCalibrated());
    expect('predictions' in summary).toBe(false);
    expect(summary.predictedCells).toBe(NB201_NUM_CELLS - Math.ceil(NB201_NUM_CELLS / 50));
  });
});
