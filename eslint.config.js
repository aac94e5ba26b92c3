import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports `core/` may never use: it runs unchanged in main, the renderer, the CLI and tests. */
const CORE_FORBIDDEN = {
  paths: [
    { name: 'electron', message: 'core/ is pure: no electron (use the host contract).' },
    { name: 'dexie', message: 'core/ is pure: no database (renderer/db owns Dexie).' },
    { name: 'vue', message: 'core/ is pure: no UI framework.' },
    { name: 'pinia', message: 'core/ is pure: no UI state.' },
    { name: 'ws', message: 'core/ is pure: no network.' },
  ],
  patterns: [
    { group: ['node:*'], message: 'core/ is pure: no Node built-ins (do the I/O in electron/host or scripts/).' },
    {
      group: ['fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'url', 'util'],
      message: 'core/ is pure: no Node built-ins.',
    },
    { group: ['**/electron/**', '**/renderer/**', '**/server/**'], message: 'core/ depends on nothing outside core/.' },
  ],
};

const RENDERER_NO_ELECTRON = {
  name: 'electron',
  message: 'The renderer reaches the host only through renderer/src/host/client.ts.',
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: { 'vue/block-lang': ['error', { script: { lang: 'ts' } }] },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: [RENDERER_NO_ELECTRON] }] },
  },
  {
    // The database layer is below the engine: the engine reads and writes through it, never the reverse.
    files: ['renderer/src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [RENDERER_NO_ELECTRON],
          patterns: [
            {
              group: ['../engine/*', '../../engine/*', '**/renderer/src/engine/*'],
              message:
                'renderer/src/db/ never imports the engine (rules are in core/, the release in db/repos/release.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      'no-restricted-imports': ['error', CORE_FORBIDDEN],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'navigator',
        'localStorage',
        'indexedDB',
        'process',
        'require',
        'Buffer',
      ],
    },
  },
  prettier,
);
