/** The build-time WAT compiler: one source to named builds, and errors that point at the line. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileWat, watVariants } from './wat-plugin.ts';
import layerBuilds from './layer.wat?wasm-bytes';

describe('watVariants', () => {
  test('a line marked `only:` stays in the builds it names and is blank in the others, so line numbers hold', () => {
    const text = ['(module', '  (memory 1) ;; only: own', '  (import "env" "memory" (memory 0)) ;; only: import, import-shared', '  (func))'].join('\n');
    const builds = watVariants(text);
    expect([...builds.keys()]).toEqual(['own', 'import', 'import-shared']);
    expect(builds.get('own')!.split('\n')).toEqual(['(module', '  (memory 1) ;; only: own', '', '  (func))']);
    expect(builds.get('import-shared')!.split('\n')).toEqual(['(module', '', '  (import "env" "memory" (memory 0)) ;; only: import, import-shared', '  (func))']);
  });

  test('a file without marks builds once, as default', () => {
    expect([...watVariants('(module)').entries()]).toEqual([['default', '(module)']]);
  });
});

describe('compileWat', () => {
  test('a type error names the file, line and column', async () => {
    const text = '(module\n  (func (result i32)\n    (i32.add (i32.const 1))))';
    await expect(compileWat('/src/broken.wat', text)).rejects.toThrow(/^validate failed:\n\/src\/broken\.wat:3:6: error: type mismatch in i32\.add/);
  });

  test('a syntax error in one build only names its line too', async () => {
    const text = '(module\n  (memory 1) ;; only: a\n  (memory 1 2 bogus) ;; only: b\n)';
    await expect(compileWat('/src/broken.wat', text)).rejects.toThrow(/\/src\/broken\.wat:3:/);
  });

  test('the layer op: the plugin gives what compileWat builds from layer.wat, three valid modules', async () => {
    const file = fileURLToPath(new URL('./layer.wat', import.meta.url));
    const builds = await compileWat(file, readFileSync(file, 'utf8'));
    expect([...builds.keys()]).toEqual(['own', 'import', 'import-shared']);
    for (const [name, bytes] of builds) {
      expect(WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)).toBe(true);
      expect(Array.from(layerBuilds[name])).toEqual(Array.from(bytes));
    }
  });
});
