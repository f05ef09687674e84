/** Shared plumbing for the benchmark drivers: serve dist/, launch Debian's Chromium, describe the machine. */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';

export const ROOT = resolve(import.meta.dirname, '..');

/** Serves a built folder (default the app's dist/) with vite.config.ts's preview headers (COOP/COEP). */
export async function serveDist(port = 4180, outDir = 'dist'): Promise<{ url: string; close(): Promise<void> }> {
  const server: PreviewServer = await preview({ root: ROOT, build: { outDir }, preview: { port, strictPort: true }, logLevel: 'warn' });
  return { url: `http://localhost:${port}/`, close: () => server.close() };
}

/**
 * Chromium flags that expose WebGPU headless (on a machine without a GPU, the SwiftShader software
 * adapter); the e2e WebGPU parity spec launches with the same ones.
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];

/** Debian's Chromium, headless; with {@link WEBGPU_FLAGS} when BENCH_BACKEND=webgpu (else WebGPU has no adapter). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(process.env.BENCH_BACKEND === 'webgpu' ? WEBGPU_FLAGS : [])],
  });
}

export function commitId(): string {
  try {
    const id = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
    const dirty = execSync('git status --porcelain -- src datasets bench', { cwd: ROOT }).toString().trim() !== '';
    return dirty ? `${id}-dirty` : id;
  } catch {
    return 'unknown';
  }
}

export function machine(browser: Browser): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Chromium ${browser.version()} (headless)`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function writeReport(name: string, json: unknown, markdown: string): void {
  const dir = resolve(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(resolve(dir, `${name}.md`), markdown);
  console.log(`wrote bench-results/${name}.json and bench-results/${name}.md`);
}
