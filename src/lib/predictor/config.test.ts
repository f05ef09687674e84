import { describe, expect, test } from 'vitest';
import { ACCURACY_PRESET, BRP_PRESET, LATENCY_FAST_PRESET, LATENCY_PRESET, LATENCY_THOROUGH_PRESET, validateConfig } from './config.ts';

describe('presets (eagle configs/predictors)', () => {
  test('latency: 4×600, dropout 0.002, lr 4e-4, wd 5e-4, batch 1, 250 epochs, plateau 10 / ES 35', () => {
    expect(LATENCY_PRESET).toMatchObject({ layers: 4, hidden: 600, dropout: 0.002, lr: 4e-4, weightDecay: 5e-4, batchSize: 1, epochs: 250, schedule: 'plateau', lrPatience: 10, esPatience: 35 });
  });

  test('accuracy regressor and BRP: dropout 0.2, lr 3.5e-4, cosine; batch 50 and 64', () => {
    expect(ACCURACY_PRESET).toMatchObject({ dropout: 0.2, lr: 3.5e-4, batchSize: 50, schedule: 'cosine', layers: 4, hidden: 600 });
    expect(BRP_PRESET).toMatchObject({ dropout: 0.2, lr: 3.5e-4, batchSize: 64, schedule: 'cosine', layers: 4, hidden: 600 });
  });

  test('the fast latency stand-in keeps the architecture, scales lr by √batch, caps epochs', () => {
    expect(validateConfig(LATENCY_FAST_PRESET)).toEqual(LATENCY_FAST_PRESET);
    expect(LATENCY_FAST_PRESET).toMatchObject({ layers: 4, hidden: 600, dropout: 0.002, weightDecay: 5e-4, batchSize: 32, epochs: 60, schedule: 'cosine' });
    expect(LATENCY_FAST_PRESET.lr).toBeCloseTo(LATENCY_PRESET.lr * Math.sqrt(32), 12);
    expect(Object.isFrozen(LATENCY_FAST_PRESET)).toBe(true);
  });

  test('the thorough latency stand-in: batch 8, lr 4e-4·√8, 120 cosine epochs, keeps the last epoch', () => {
    expect(validateConfig(LATENCY_THOROUGH_PRESET)).toEqual(LATENCY_THOROUGH_PRESET);
    expect(LATENCY_THOROUGH_PRESET).toMatchObject({ layers: 4, hidden: 600, dropout: 0.002, weightDecay: 5e-4, batchSize: 8, epochs: 120, schedule: 'cosine', restoreBest: 'last-epoch' });
    expect(LATENCY_THOROUGH_PRESET.lr).toBeCloseTo(LATENCY_PRESET.lr * Math.sqrt(8), 12);
    expect(Object.isFrozen(LATENCY_THOROUGH_PRESET)).toBe(true);
  });

  test('default to the real best copy and the fast pair mode; presets are frozen', () => {
    expect(BRP_PRESET.restoreBest).toBe('best-copy');
    expect(BRP_PRESET.pairMode).toBe('embed-once');
    expect(Object.isFrozen(LATENCY_PRESET)).toBe(true);
  });
});

describe('validateConfig', () => {
  test('accepts the presets', () => {
    expect(validateConfig(BRP_PRESET)).toEqual(BRP_PRESET);
  });

  test('names the first bad field', () => {
    expect(() => validateConfig({ ...BRP_PRESET, hidden: 0 })).toThrow("'hidden' must be a positive integer");
    expect(() => validateConfig({ ...BRP_PRESET, dropout: 1 })).toThrow("'dropout' must be a number in [0, 1)");
    expect(() => validateConfig({ ...BRP_PRESET, schedule: 'step' }, 'url')).toThrow(`url: 'schedule' must be 'plateau' or 'cosine', got "step"`);
    expect(() => validateConfig({ ...BRP_PRESET, seed: -1 })).toThrow("'seed' must be an integer in [0, 2^32)");
    expect(() => validateConfig(null)).toThrow('expected an object');
  });
});
