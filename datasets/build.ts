/**
 * `npm run datasets`: builds public/datasets/ from the benchmark tables.
 * Sources: $BRP_DATASETS_DIR, else ../shared/datasets next to the repo. `--force` ignores the stamp.
 * Exits 0 even when sources are missing (the app says what is missing); 1 only when the
 * NB201-space files break the size budget or the encoding itself is broken.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline } from './pipeline';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = process.env.BRP_DATASETS_DIR ? resolve(process.env.BRP_DATASETS_DIR) : resolve(repoRoot, '../shared/datasets');
const outDir = resolve(repoRoot, 'public/datasets');
const force = process.argv.includes('--force');

const started = performance.now();
const result = runPipeline({ sourceDir, outDir, force });
if (!result.upToDate) console.log(`datasets: done in ${((performance.now() - started) / 1000).toFixed(1)} s → ${outDir}`);
process.exitCode = result.exitCode;
