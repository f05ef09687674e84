import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { spawnSync } from 'node:child_process';
import { serviceWorkerPlugin } from './src/sw/vite-plugin.ts';
import { watBytes } from './src/lib/kernels/wat-plugin.ts';

// Node 20's V8 runs WebAssembly relaxed SIMD (which Chromium ships, and kernels/gemm.ts uses) only
// behind a flag; pass it to the test workers where this node accepts it.
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';
const nodeTakesRelaxedSimdFlag = spawnSync(process.execPath, [RELAXED_SIMD_FLAG, '-e', '0']).status === 0;

// COOP/COEP make the page crossOriginIsolated: SharedArrayBuffer for tfjs WASM threads and
// 5 µs timers instead of 100 µs. A static host must send the same two headers (see README).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset URLs: the built site works from any sub-path of a static host.
  base: './',
  // The service worker (src/sw/): COOP/COEP on hosts that cannot send them, and offline use.
  plugins: [svelte(), serviceWorkerPlugin(), watBytes()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  // A build bundles workers apart, with only these plugins (the compute worker imports the WAT).
  worker: { format: 'es', plugins: () => [watBytes()] },
  build: {
    target: 'es2022',
    // Vite's minifier breaks tfjs's threaded WASM factory, which is stringified into a worker
    // ("_scriptDir is not defined", setBackend('wasm') never settles). See toolchain.md.
    minify: false,
    chunkSizeWarningLimit: 4096,
  },
  test: {
    include: ['src/**/*.test.ts', 'datasets/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    // Training tests take seconds each on this 2-core machine and more under load.
    testTimeout: 60_000,
    execArgv: nodeTakesRelaxedSimdFlag ? [RELAXED_SIMD_FLAG] : [],
  },
});
