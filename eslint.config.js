// ESLint (npm run lint): the recommended rules of ESLint, typescript-eslint and eslint-plugin-svelte
// over the TypeScript and Svelte sources. Formatting is Prettier's job (npm run format:check).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  { ignores: ['dist/', 'dist-bench/', 'public/', 'node_modules/', 'test-results/', 'playwright-report/', 'bench-results/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      // A leading underscore marks a value left out on purpose (a destructured field dropped, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    // A closure may read a variable assigned once later (a harness that refers to itself).
    rules: { 'prefer-const': ['error', { ignoreReadBeforeAssign: true }] },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
    rules: {
      // The state classes replace their Maps and Sets whole (immutable updates, which $state tracks)
      // and use local Maps for computing; the rule flags both.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
);
