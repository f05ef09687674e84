import { describe, expect, it } from 'vitest';
import { describeWithData } from '../../test-support/real-data';
import { columnByIndex } from '../datasets/by-index';
import { mulberry32 } from '../spaces/rng';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { cellFeatures } from './calibration-features';
import { copiesOfDevice, fewShotOnKnownDevice } from './known-device';
import { chooseReferenceSet } from './reference-set';
import { loadBuiltTables } from './test-tables';

describe('copiesOfDevice', () => {
  it('groups a column with its near-copy only', () => {
    const rng = mulberry32(6);
    const connected = new Uint8Array(NB201_NUM_CELLS).fill(1);
    const device = (key: string) => ({ key, label: key, values: Float64Array.from({ length: NB201_NUM_CELLS }, () => 0.5 + rng()) });
    const devices = [device('gpu'), device('cpu'), device('dsp')];
    const copy = { key: 'cpu-copy', label: 'copy', values: Float64Array.from(devices[1].values, (v, i) => v * (1 + 0.0001 * (i % 3))) };
    expect(copiesOfDevice([...devices, copy], 'cpu', connected)).toEqual(['cpu', 'cpu-copy']);
    expect(copiesOfDevice([...devices, copy], 'gpu', connected)).toEqual(['gpu']);
  });
});

const built = loadBuiltTables();
describeWithData(built !== null, 'the built tables in public/datasets (npm run datasets)', 'few-shot on the real tables (leave one device out)', () => {
  it('predicts held-out LatBench devices from 20 reference cells better than FLOPs', () => {
    const nb201 = built!.tables.nb201;
    const opsCode = columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS);
    const connected = columnByIndex(nb201, 'connected', NB201_NUM_CELLS);
    const features = cellFeatures(opsCode, connected);
    const devices = built!.known.devices.map((d) => ({ key: `${d.datasetId}:${d.column}`, label: d.label, values: d.values }));
    expect(copiesOfDevice(devices, 'latbench:desktop_cpu_i7_7820x_fp32', features.connected)).toEqual(['latbench:desktop_cpu_i7_7820x_fp32', 'latbench:desktop_gpu_gtx1080ti_fp32']);
    for (const column of ['embedded_tpu_edgetpu_int8', 'mobile_gpu_sd855_adreno640_int8']) {
      const key = `latbench:${column}`;
      const reference = chooseReferenceSet({ opsCode, connected, devices: built!.known.devices.filter((d) => `${d.datasetId}:${d.column}` !== key) });
      const result = fewShotOnKnownDevice(
        devices,
        features,
        key,
        reference.cells.map((c) => c.index),
      );
      expect(result.fewShot.cells).toBeGreaterThan(15_000);
      // Measured by this code on 2026-11-28: Edge TPU 0.962, Adreno 640 0.976 (FLOPs 0.402, 0.919).
      expect(result.fewShot.spearman).toBeGreaterThan(0.93);
      expect(result.fewShot.spearman).toBeGreaterThan(result.flops.spearman);
    }
  });
});
