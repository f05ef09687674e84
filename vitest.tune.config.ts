/** Runs bench/*.tune.ts (developer harnesses, not part of `npm test`): see bench/search-tune.tune.ts. */
import base from './vite.config';

export default { ...base, test: { ...base.test, include: ['bench/**/*.tune.ts'], testTimeout: 3_600_000 } };
