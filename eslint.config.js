// Lint: type-aware typescript-eslint. The two rules that matter most for a Temporal codebase:
// no-floating-promises (a lost promise is a lost error), and workflow code may not import Node
// built-ins or non-workflow modules (the workflow sandbox is deterministic and has none of them).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Import boundaries (no-restricted-imports; a later block replaces an earlier one's options for the
// same files, so each block lists every pattern that applies to its files):
// - nobody imports the SDK's internals (`@temporalio/*/lib/…`: not an API, changed between releases);
// - gRPC status codes are read in one place, core/temporal/errors.ts;
// - core/ and api/ import neither activities/ nor workflows/ (names they share: core/temporal/contract.ts);
// - in core/, only core/temporal/ uses the Temporal client (the choke point); api/ uses no SDK at all.
const sdkInternals = {
  group: ['@temporalio/*/lib', '@temporalio/*/lib/**'],
  message: "SDK internals are not an API: use the package's public exports (core/temporal/payloads.ts has the conversions).",
};
const grpc = { group: ['@grpc/grpc-js'], message: 'gRPC errors are mapped once, in core/temporal/errors.ts: catch KairosError kinds instead.' };
const workerCode = {
  group: ['**/activities', '**/activities/**', '**/workflows', '**/workflows/**'],
  message: 'core/ and api/ do not import worker code: shared names live in core/temporal/contract.ts, driver schemas in core/drivers/.',
};
const temporalClient = {
  group: ['@temporalio/client', '@temporalio/worker', '@temporalio/workflow', '@temporalio/activity'],
  message: 'Temporal is called only through core/temporal/ (TemporalGateway): its errors are mapped there.',
};
const anySdk = { group: ['@temporalio/*'], message: 'The API talks to Temporal only through core (core/temporal/).' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'ui/dist/**', '.cache/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Regexes run on request data: one with super-linear backtracking (or a super-linear scan of the
  // whole input) lets a long crafted string stall the event loop.
  regexp.configs['flat/recommended'],
  {
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
      // Style rules of the recommended set, off: they would rewrite dozens of readable patterns
      // ([A-Za-z0-9_] → \w, capture groups used for readability) without changing what they match.
      'regexp/prefer-w': 'off',
      'regexp/prefer-d': 'off',
      'regexp/use-ignore-case': 'off',
      'regexp/no-unused-capturing-group': 'off',
      'regexp/prefer-character-class': 'off',
      'regexp/no-useless-non-capturing-group': 'off',
    },
  },
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [sdkInternals] }],
    },
  },
  {
    files: ['core/**/*.ts', 'activities/**/*.ts', 'worker/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    // The map's own unit tests build gRPC errors as the SDK receives them.
    ignores: ['core/temporal/**', 'test/unit/temporal/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [sdkInternals, grpc] }] },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/temporal/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [sdkInternals, grpc, workerCode, temporalClient] }] },
  },
  {
    files: ['core/temporal/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [sdkInternals, workerCode] }] },
  },
  {
    files: ['api/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [sdkInternals, grpc, workerCode, anySdk] }] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.' })),
          patterns: [
            sdkInternals,
            grpc,
            {
              // core/temporal/contract.ts has no imports: the names runJob shares with core and the worker.
              group: ['../*', '!../workflows', '!../core', '../core/*', '!../core/temporal', '../core/temporal/*', '!../core/temporal/contract.ts'],
              allowTypeImports: true,
              message: 'Workflow code may import only workflows/ modules and core/temporal/contract.ts (types from elsewhere are fine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly' },
    },
  },
);
