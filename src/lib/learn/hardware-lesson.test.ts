import { describe, expect, it } from 'vitest';
import { describeWithData } from '../../test-support/real-data';
import { columnByIndex } from '../datasets/by-index';
import { cellFeatures } from '../latency/calibration-features';
import { loadBuiltTables } from '../latency/test-tables';
import { spearman } from '../predictor/metrics';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { bestWithin, budgetAt, compareFronts, countWithin, fewShotOnTableDevice, latencyRange, positionOf, SLIDER_STEPS } from './hardware-lesson';

describe('hardware lesson', () => {
  const latency = [5, 1, 2, Number.NaN, 8, 3];
  const accuracy = [70, 60, 65, 99, 72, 64];

  it('finds the most accurate cell within a budget, and none below the fastest', () => {
    expect(bestWithin(latency, accuracy, 2.5)).toBe(2);
    expect(bestWithin(latency, accuracy, 5)).toBe(0);
    expect(bestWithin(latency, accuracy, 100)).toBe(4);
    expect(bestWithin(latency, accuracy, 0.5)).toBeNull();
    expect(countWithin(latency, accuracy, 3)).toBe(3);
  });

  it('maps the slider to a log scale between the fastest and the slowest cell', () => {
    const range = latencyRange(latency, accuracy)!;
    expect(range).toEqual({ min: 1, max: 8 });
    expect(budgetAt(0, range)).toBeCloseTo(1);
    expect(budgetAt(SLIDER_STEPS, range)).toBeCloseTo(8);
    expect(budgetAt(SLIDER_STEPS / 3, range)).toBeCloseTo(2);
    expect(positionOf(2, range)).toBe(Math.round(SLIDER_STEPS / 3));
    expect(latencyRange([Number.NaN], [1])).toBeNull();
  });

  it('compares two devices’ fronts over the cells both know', () => {
    // On "theirs" cell 2 is slow, so it drops off their front; cell 3 (NaN on mine) is ignored.
    const theirs = [5, 1, 9, 0.1, 8, 3];
    const result = compareFronts(latency, theirs, accuracy);
    expect(result.mine).toEqual([1, 2, 0, 4]);
    expect(result.theirs).toEqual([1, 5, 0, 4]);
    expect(result.shared).toBe(3);
  });
});

const built = loadBuiltTables();
describeWithData(built !== null, 'the built tables in public/datasets (npm run datasets)', 'lesson 7 on a table device', () => {
  it('filters by a calibration that knows the device only through its reference cells', () => {
    const nb201 = built!.tables.nb201;
    const opsCode = columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS);
    const features = cellFeatures(opsCode, columnByIndex(nb201, 'connected', NB201_NUM_CELLS));
    const key = 'latbench:mobile_cpu_sd855_kryo485_int8';
    const device = built!.known.devices.find((d) => `${d.datasetId}:${d.column}` === key)!;
    const result = fewShotOnTableDevice(built!.known.devices, features, opsCode, key);
    expect(result.reference).toHaveLength(20);
    const cells = Array.from({ length: NB201_NUM_CELLS }, (_, i) => i).filter((i) => features.connected[i] === 1 && device.values[i] > 0);
    expect(
      spearman(
        cells.map((i) => result.predictions[i]),
        cells.map((i) => device.values[i]),
      ),
    ).toBeGreaterThan(0.9);
    expect(result.within10).toBeGreaterThan(0);
    // Scrambling the device's table outside its reference cells changes nothing the filter uses.
    const reference = new Set(result.reference);
    const scrambled = { ...device, values: Float64Array.from(device.values, (v, i) => (reference.has(i) || !(v > 0) ? v : v * (1 + (i % 7)))) };
    const again = fewShotOnTableDevice(
      built!.known.devices.map((d) => (d === device ? scrambled : d)),
      features,
      opsCode,
      key,
    );
    expect(again.reference).toEqual(result.reference);
    expect(Array.from(again.predictions)).toEqual(Array.from(result.predictions));
  });
});
