// Lint rules, including the process zones of docs/architecture.md: each folder may import
// only what its process is allowed to load (main never loads tfjs or sharp, the renderer never
// loads Node or Electron, shared loads nothing outside itself).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

const zone = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

const forbid = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', 'playwright-report/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'vue/no-v-html': 'error',
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  zone(['src/shared/**'], [
    forbid(['node:*', 'electron', '@tensorflow/*', 'sharp', 'vue', 'pinia'], 'src/shared is pure TypeScript contracts.'),
    forbid(['**/ml/**', '**/main/**', '**/renderer/**', '**/cli/**', '**/preload/**'], 'src/shared imports nothing outside itself.'),
  ]),
  zone(['src/ml/**'], [
    forbid(['electron', 'vue', 'pinia'], 'The engine runs outside Electron (utilityProcess, CLI, tests).'),
    forbid(['**/main/**', '**/renderer/**', '**/cli/**', '**/preload/**', '**/server/**', '**/host/**'], 'The engine depends only on src/shared.'),
  ]),
  zone(['src/host/**'], [
    forbid(['@tensorflow/*', 'sharp', 'electron', 'vue', 'pinia'], 'src/host runs in Electron main and the web server: no tfjs or sharp (the engine process owns them), no Electron (the web server has none).'),
    forbid(['**/ml/*', '!**/ml/store', '**/ml/store/*', '!**/ml/store/atomic-write', '**/main/**', '**/renderer/**', '**/cli/**', '**/preload/**', '**/server/**'], 'src/host reaches the engine through the engine protocol only (it may share the atomic file writer).'),
  ]),
  zone(['src/main/**'], [
    forbid(['@tensorflow/*', 'sharp'], 'The main process never loads tfjs or sharp: a blocked main process freezes the app.'),
    forbid(['**/renderer/**', '**/cli/**', '**/server/**'], 'main talks to the renderer over IPC only.'),
  ]),
  zone(['src/preload/**'], [
    forbid(['@tensorflow/*', 'sharp', 'node:*'], 'The preload is sandboxed: Electron APIs and the shared contract only.'),
    forbid(['**/ml/**', '**/main/**', '**/renderer/**', '**/cli/**', '**/host/**'], 'The preload builds the api from src/shared only.'),
  ]),
  zone(['src/renderer/**'], [
    forbid(['node:*', 'electron', '@tensorflow/*', 'sharp'], 'The renderer is a sandboxed web page.'),
    forbid(['**/ml/**', '**/main/**', '**/cli/**', '**/preload/index*', '**/server/**', '**/host/**'], 'The renderer reaches the engine through window.api only.'),
  ]),
  zone(['src/cli/**', 'src/server/**'], [
    forbid(['electron', 'vue', 'pinia'], 'The CLI and web server run under plain Node.'),
    forbid(['**/main/**', '**/renderer/**', '**/preload/**'], 'The CLI drives the engine directly.'),
  ]),
);
