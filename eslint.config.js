// ESLint flat config: typescript-eslint strict rules plus the layer boundaries of the style guide (§3).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * The layer boundaries of docs/architecture.md: each layer lists the folders it must not import.
 * (A regex over the import path, so no native resolver is needed.)
 */
const layers = [
  [
    'src/errors/**',
    ['xapi', 'core', 'storage', 'http', 'cli', 'config', 'simulate', 'observability', 'compose'],
  ],
  ['src/xapi/**', ['core', 'storage', 'http', 'cli', 'config', 'simulate', 'compose']],
  ['src/storage/**', ['core', 'http', 'cli', 'config', 'simulate', 'compose']],
  [
    'src/core/**',
    [
      'http',
      'cli',
      'config',
      'simulate',
      'compose',
      'storage/sql',
      'storage/sqlite',
      'storage/postgres',
    ],
  ],
  ['src/http/**', ['storage', 'cli', 'config', 'simulate', 'compose']],
  ['src/simulate/**', ['core', 'storage', 'http', 'cli', 'config', 'compose']],
  // Analytics: projections (log-consumer handlers) over storage, reports for http/ and cli/.
  ['src/analytics/**', ['http', 'cli', 'config', 'simulate', 'compose']],
]

function layerRule([files, forbidden]) {
  return {
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((folder) => ({
            regex: `(^|/)${folder}(/|\\.js$)`,
            message: `this layer must not import ${folder} (docs/architecture.md)`,
          })),
        },
      ],
    },
  }
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'use named exports (style guide §2)' },
      ],
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
  ...layers.map(layerRule),
  { files: ['*.config.ts', '*.config.js'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
)
