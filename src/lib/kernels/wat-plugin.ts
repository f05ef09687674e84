/**
 * A Vite plugin that compiles WebAssembly text at build time: `import variants from
 * './layer.wat?wasm-bytes'` gives the module's bytes as Uint8Arrays, so a kernel is edited as
 * readable source and nothing is fetched at run time. It runs in `vite build` (registered for
 * the app and its workers), the dev server, Vitest and the bench build; wabt's parse and
 * validation errors (file:line:column) fail the build.
 *
 * Variants: a line whose trailing comment is `;; only: a, b` belongs only to the builds named
 * there (e.g. a memory that is the module's own in one build and imported in another); every
 * name mentioned is one build, and the import maps each name to its bytes. A file without such
 * lines builds once, as `default`. Dropped lines become blank, so line numbers stay the file's.
 *
 * Node-only (it runs inside Vite, never in the page): the kernels import only its output.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'vite';
import initWabt from 'wabt';

const QUERY = 'wasm-bytes';
const ONLY = /;;\s*only:\s*([\w\s,-]+)$/;

/** The WebAssembly features our kernels use: fixed-width SIMD, and shared memories (threads). */
const FEATURES = { simd: true, threads: true };

/** Each build's source text: the file with the lines of other builds blanked. */
export function watVariants(text: string): Map<string, string> {
  const lines = text.split('\n');
  const tags = lines.map(
    (line) =>
      line
        .match(ONLY)?.[1]
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean) ?? null,
  );
  const names = [...new Set(tags.flatMap((t) => t ?? []))];
  if (names.length === 0) return new Map([['default', text]]);
  return new Map(names.map((name) => [name, lines.map((line, i) => (tags[i] && !tags[i].includes(name) ? '' : line)).join('\n')]));
}

let wabt: ReturnType<typeof initWabt> | undefined;

/** Compiles every build of `text` (named `file` in errors); throws wabt's message on the first error. */
export async function compileWat(file: string, text: string): Promise<Map<string, Uint8Array>> {
  const tools = await (wabt ??= initWabt());
  const out = new Map<string, Uint8Array>();
  for (const [name, source] of watVariants(text)) {
    // wabt.js copies the name without its terminating NUL, so its messages would run on past it
    const module = tools.parseWat(`${file}\0`, source, FEATURES);
    try {
      // wabt.js's validate takes the feature set as parseWat does (shared memories need threads);
      // its typings leave the parameter out
      (module as unknown as { validate(features: typeof FEATURES): void }).validate(FEATURES);
      out.set(name, module.toBinary({}).buffer.slice());
    } finally {
      module.destroy();
    }
  }
  return out;
}

/** `id` without its query, when the query asks for this plugin. */
function watFile(id: string): string | null {
  const at = id.indexOf('?');
  if (at < 0 || !new URLSearchParams(id.slice(at + 1)).has(QUERY)) return null;
  return id.slice(0, at);
}

export function watBytes(): Plugin {
  return {
    name: 'brp-nas-wat-bytes',
    async load(id) {
      const file = watFile(id);
      if (!file) return null;
      this.addWatchFile(file);
      let builds: Map<string, Uint8Array>;
      try {
        builds = await compileWat(file, await readFile(file, 'utf8'));
      } catch (error) {
        // wabt's messages start with file:line:column, and name the variant's build by its lines
        this.error(`WebAssembly text did not compile:\n${error instanceof Error ? error.message : String(error)}`);
      }
      // base64 in the bundle: an array literal would be one line per byte in our unminified builds
      const entries = [...builds].map(([name, bytes]) => `  ${JSON.stringify(name)}: bytes(${JSON.stringify(Buffer.from(bytes).toString('base64'))}),`);
      const decode = 'const bytes = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));';
      return { code: `${decode}\nexport default {\n${entries.join('\n')}\n};\n`, map: null };
    },
  };
}
