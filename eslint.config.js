// The lint that keeps the design's arrows true and workflow code safe; `npm test` runs it.
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');

const builtin = `node:|(${builtinModules.filter((name) => !name.startsWith('_')).join('|')})(/|$)`;
const nodeBuiltins = {
  regex: `^(${builtin})`,
  message: 'Workflow code runs in Temporal’s deterministic sandbox: no Node APIs. Ask an activity instead.',
};

/** Imports of one of our rooms, by folder name, wherever the importing file sits. */
const room = (name, message, options = {}) => ({ regex: `^(\\.\\.?/)+${name}(/|$)`, message, ...options });

/** What each room may not import; a file takes the rules of the room it lives in. */
const boundaries = [
  {
    files: ['workflows/**/*.ts'],
    patterns: [
      nodeBuiltins,
      {
        regex: '^\\.\\./',
        allowTypeImports: true,
        message: 'Workflow code imports nothing of ours from outside workflows/ at run time; `import type` is fine (the activity types, config shapes).',
      },
      {
        regex: `^(?!@temporalio/(workflow|common)$|${builtin})[^.]`,
        allowTypeImports: true,
        message: 'Workflow code bundles only @temporalio/workflow and @temporalio/common: each cached workflow gets its own copy of every module it loads.',
      },
    ],
  },
  {
    files: ['client/**/*.ts'],
    patterns: [room('activities', 'client/ reaches journeys through the SDK and never imports activities/: the events store is in store/, links in links/, shared text in text/.')],
  },
  {
    files: ['config/**/*.ts'],
    patterns: [{ regex: '^\\.\\./', message: 'config/ parses configuration and imports nothing of ours from outside config/.' }],
  },
  ...['store', 'links', 'text', 'reports', 'webhooks'].map((name) => ({
    files: [`${name}/**/*.ts`],
    patterns: [
      room('activities', `${name}/ is read by activities and clients alike, so it imports neither.`),
      room('client', `${name}/ is read by activities and clients alike, so it imports neither.`),
      room('worker', `${name}/ does not depend on the worker process.`),
    ],
  })),
  {
    files: ['codec/**/*.ts'],
    patterns: [
      room('activities', 'codec/ is shared by the SDK, CLI, worker and web server: it reads config/ and store/, never activities/.'),
      room('client', 'codec/ is shared by the SDK, CLI, worker and web server: it reads config/ and store/, never client/.'),
      room('worker', 'codec/ does not depend on the worker process.'),
    ],
  },
  {
    files: ['activities/**/*.ts'],
    patterns: [room('client', 'Activities act on the world for journeys; they never import client/.')],
  },
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.stagegate/**', 'coverage/**', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  ...boundaries.map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } })),
);
