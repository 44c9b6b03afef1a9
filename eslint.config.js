// ESLint flat config: typescript-eslint strict rules plus the layer boundaries of the style guide (§3).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import importX from 'eslint-plugin-import-x'

/** Each zone forbids `target` from importing `from`. Layers are listed in docs/architecture.md. */
const zones = [
  { target: './src/errors', from: './src', except: ['./errors'] },
  { target: './src/xapi', from: './src', except: ['./xapi', './errors'] },
  {
    target: './src/storage',
    from: ['./src/core', './src/http', './src/cli', './src/analytics', './src/config', './src/compose.ts'],
  },
  { target: './src/core', from: ['./src/http', './src/cli', './src/config', './src/compose.ts', './src/storage/sql', './src/storage/sqlite', './src/storage/postgres'] },
  { target: './src/http', from: ['./src/storage', './src/cli', './src/config', './src/compose.ts'] },
]

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-default-export': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, varsIgnorePattern: '^_', argsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // Tests read JSON bodies off real HTTP responses; typing every one adds noise, not safety.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['*.config.ts', '*.config.js'], rules: { 'import-x/no-default-export': 'off' } },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
)
