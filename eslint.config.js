// @ts-check
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (docs/architecture.md): a file may import from its own layer
 * and the layers below it, never from one above. Each entry lists the folders (or top-level
 * files) of one layer.
 */
const LAYERS = [
  ['lib', 'web'],
  ['config.ts'],
  ['db'],
  ['api'],
  ['events'],
  ['outbox'],
  ['rbac'],
  ['core', 'webhooks'],
  ['flows'],
  ['stages'],
  ['admin', 'root'],
  ['app.ts', 'server.ts'],
];

/** The import patterns that reach a folder or top-level file of src/ from anywhere in src/. */
function importPatterns(entry) {
  return entry.endsWith('.ts') ? [`**/${entry.replace(/\.ts$/, '.js')}`] : [`**/${entry}/**`];
}

/** One override per layer forbidding imports of every layer above it. */
const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  files: layer.map((entry) => (entry.endsWith('.ts') ? `src/${entry}` : `src/${entry}/**`)),
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: LAYERS.slice(index + 1)
              .flat()
              .flatMap(importPatterns),
            message: `src/${layer.join(', src/')} may import only its own layer and those below it (docs/architecture.md, "Layers").`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'drizzle/',
      'bench/results/',
      '.scratch/',
      'src/web/static/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  ...layerRules,
  {
    files: ['bench/**', 'scripts/**', 'test/**'],
    // Tests read arbitrary JSON response bodies; `any` keeps assertions readable there.
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The command line's output is what it prints.
    files: ['src/cli/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
);
