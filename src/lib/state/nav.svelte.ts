/** Which view is open; part of the URL hash like every shareable setting. */
import { formatHash, parseHash, type PropSpec } from './url-hash';

/** The views that exist, in tab order (a view is listed only once it works). */
export const VIEWS = [
  { id: 'explore', label: 'Explore' },
  { id: 'train', label: 'Train a predictor' },
  { id: 'search', label: 'Search' },
  { id: 'profile', label: 'Measure this device' },
  { id: 'learn', label: 'Learn' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

const NAV_PROPS = {
  view: { type: 'string', default: 'explore', oneOf: VIEWS.map((v) => v.id) } as PropSpec<string>,
};

export class NavState {
  settings = $state(parseHash('', NAV_PROPS));

  constructor(hash = '') {
    this.settings = parseHash(hash, NAV_PROPS);
  }

  get view(): ViewId {
    return this.settings.view as ViewId;
  }
  get hash(): string {
    return formatHash(this.settings, NAV_PROPS);
  }
  open(view: ViewId) {
    this.settings = { view };
  }
  loadHash(hash: string) {
    this.settings = parseHash(hash, NAV_PROPS);
  }
}
