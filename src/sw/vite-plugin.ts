/**
 * Build step (Node, not shipped): once the site is written, hash every file of the output folder,
 * and bundle `sw.ts` into `sw.js` at its root with the resulting precache list written in. Any
 * change to any file changes `sw.js`, which is how browsers learn that a new build is out.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { build, type Plugin, type ResolvedConfig } from 'vite';
import { DATASETS_DIR, SW_FILE, precacheEntries, type BuiltFile, type ManifestFiles } from './cache-plan.ts';

const SW_ENTRY = resolve(import.meta.dirname, 'sw.ts');

export function serviceWorkerPlugin(): Plugin {
  let config: ResolvedConfig;
  // closeBundle also runs after a failed build; the worker is written only over a complete site.
  let written = false;
  return {
    name: 'brp-nas-lab:service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    writeBundle() {
      written = true;
    },
    async closeBundle() {
      if (!written || config.build.ssr) return;
      const outDir = resolve(config.root, config.build.outDir);
      const files = await builtFiles(outDir);
      const entries = precacheEntries(files, await readManifest(outDir));
      await build({
        configFile: false,
        root: config.root,
        logLevel: 'warn',
        publicDir: false,
        define: { __PRECACHE__: JSON.stringify(entries) },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          target: 'es2022',
          minify: false,
          lib: { entry: SW_ENTRY, formats: ['iife'], name: 'brpNasLabServiceWorker', fileName: () => SW_FILE },
        },
      });
      config.logger.info(`${SW_FILE}: ${entries.length} files precached`);
    },
  };
}

/** Every file under `dir` with the sha256 of its bytes, paths relative with `/`. */
async function builtFiles(dir: string): Promise<BuiltFile[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    found
      .filter((d) => d.isFile())
      .map(async (d) => {
        const full = join(d.parentPath, d.name);
        return {
          path: relative(dir, full).split(sep).join('/'),
          sha256: createHash('sha256')
            .update(await readFile(full))
            .digest('hex'),
        };
      }),
  );
}

/** The dataset manifest's file checksums, or undefined when the build has no datasets. */
async function readManifest(outDir: string): Promise<ManifestFiles | undefined> {
  try {
    const json = JSON.parse(await readFile(join(outDir, DATASETS_DIR, 'manifest.json'), 'utf8')) as ManifestFiles;
    return Array.isArray(json.datasets) ? json : undefined;
  } catch {
    return undefined;
  }
}
