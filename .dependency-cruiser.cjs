/**
 * The import graph's rules (issue 16), run by `npm run deps` (and `npm run lint`):
 * no cycles (type-only imports count: they couple modules just the same), domain/ stays
 * pure, only workers and the code that builds or replays workflows import workflows/, and
 * the database layer depends on nothing above it.
 */

/** Who may import workflow code: the workers, the bundle, and the tests and tools that run workflows in-process. */
const WORKFLOW_IMPORTERS = [
  '^workflows/',
  '^workers/',
  '^scripts/build-workflow-bundles\\.ts$',
  '^test/workflows/',
  '^test/replay/',
  '^test/domain/workflow-types\\.test\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import in one direction; a cycle (type-only imports included) means two modules are really one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ imports nothing from the rest of the project (npm packages only).',
      from: { path: '^domain/' },
      to: { pathNot: ['^domain/', 'node_modules'] },
    },
    {
      name: 'only-workers-import-workflows',
      severity: 'error',
      comment: 'Workflow code is loaded by the workers (and the bundle); everything else imports messages and names from domain/.',
      from: { pathNot: WORKFLOW_IMPORTERS },
      to: { path: '^workflows/' },
    },
    {
      name: 'db-depends-on-nothing-above-it',
      severity: 'error',
      comment: 'db/ (migrations, DAL) sits below the API, the activities and the workflows.',
      from: { path: '^db/' },
      to: { path: '^(api|activities|workflows)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules', '^\\.tools', '^web/dist', '^dist'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'] },
  },
};
