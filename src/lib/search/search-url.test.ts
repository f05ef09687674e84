import { describe, expect, it } from 'vitest';
import { formatHash, parseHash } from '../state/url-hash';
import { limitOf, needsDevice, presetOf, propsOf, SEARCH_PROPS, settingsOf } from './search-url';

describe('search settings in the URL', () => {
  it('has defaults that need nothing in the hash, and round-trips every setting', () => {
    const defaults = parseHash('', SEARCH_PROPS);
    expect(formatHash(defaults, SEARCH_PROPS)).toBe('');
    expect(settingsOf(defaults, '')).toEqual({ method: 'brp-nas', config: 'fast', dataset: 'cifar100', budget: 100, seed: 0, constraint: null, pareto: false });
    const hash = '#s.method=regression-gcn&s.preset=faithful&s.dataset=imagenet16-120&s.budget=40&s.seed=7&s.device=latbench%3Apixel3&s.ms=2.5';
    const props = parseHash(hash, SEARCH_PROPS);
    expect(settingsOf(props, 'Pixel 3')).toEqual({
      method: 'regression-gcn',
      config: 'faithful',
      dataset: 'imagenet16-120',
      budget: 40,
      seed: 7,
      constraint: { device: 'Pixel 3', ms: 2.5 },
      pareto: false,
    });
    expect(formatHash(props, SEARCH_PROPS)).toBe(hash);
  });

  it('gives back the props of stored settings (the default preset left out)', () => {
    const props = parseHash('#s.method=random&s.budget=20&s.device=calibrated%3Aabc&s.pareto=1', SEARCH_PROPS);
    const settings = settingsOf(props, 'my phone');
    expect(settings.constraint).toBeNull();
    expect(settings.pareto).toBe(true);
    expect(settings.config).toBe('default');
    expect(propsOf(settings, 'calibrated:abc')).toEqual(props);
  });

  it('keeps a bad budget or limit for its message; ignores an unknown method', () => {
    const props = parseHash('#s.budget=0&s.ms=fast&s.method=magic', SEARCH_PROPS);
    expect(props['s.budget']).toBe(0);
    expect(limitOf(props)).toBeNaN();
    expect(needsDevice(props)).toBe(true);
    expect(props['s.method']).toBe('brp-nas');
    expect(presetOf({ ...props, 's.method': 'evolution' })).toBe('default');
    expect(needsDevice(parseHash('', SEARCH_PROPS))).toBe(false);
  });
});
