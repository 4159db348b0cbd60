// Lint: typescript-eslint with type information (no floating promises, no unused code) and Nx's
// module boundaries, so the dependency direction of docs/architecture.md cannot erode. `npm run lint`.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.run/**', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    // Each project's spec config includes all of its sources, specs and test helpers too.
    languageOptions: {
      parserOptions: {
        project: ['apps/*/tsconfig.spec.json', 'libs/*/tsconfig.spec.json', 'e2e/tsconfig.spec.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A decorator-driven ORM and the Function type of TypeORM's entity lists.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // contracts is the shared language: it depends on no project.
            { sourceTag: 'layer:contracts', onlyDependOnLibsWithTags: [] },
            // messaging, persistence, observability, config, retry: nothing of sagas.
            {
              sourceTag: 'layer:foundation',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:foundation', 'layer:tooling'],
            },
            {
              sourceTag: 'layer:platform',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:foundation', 'layer:platform', 'layer:tooling'],
            },
            // Apps compose libs and never each other.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:foundation', 'layer:platform', 'layer:tooling'],
            },
            {
              sourceTag: 'layer:tooling',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:foundation', 'layer:platform', 'layer:tooling'],
            },
          ],
        },
      ],
    },
  },
  {
    // Specs may leave a value unused to show it was produced, and type-test with @ts-expect-error.
    files: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': false }] },
  },
  prettier,
);
