/**
 * Builds the benchmark pages (bench/*.html) into dist-bench/, with the app's settings that
 * matter for speed: the same COOP/COEP headers (cross-origin isolation → WASM threads), ES
 * workers, and no minification (Vite's minifier breaks tfjs's threaded WASM; see vite.config.ts).
 * The app's public/ (with the built datasets) is copied alongside.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { watBytes } from './src/lib/kernels/wat-plugin.ts';

const ROOT = import.meta.dirname;

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: resolve(ROOT, 'bench'),
  base: './',
  publicDir: resolve(ROOT, 'public'),
  // The kernels' WebAssembly text, compiled at build time, for the pages and their workers.
  plugins: [watBytes()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [watBytes()] },
  build: {
    outDir: resolve(ROOT, 'dist-bench'),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { predictor: resolve(ROOT, 'bench/predictor.html'), search: resolve(ROOT, 'bench/search.html'), gpu: resolve(ROOT, 'bench/gpu.html') } },
  },
});
