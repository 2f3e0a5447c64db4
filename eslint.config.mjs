// ESLint flat config: typed rules for the server code, import hygiene, no floating promises.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'var/**',
      'coverage/**',
      'artifacts/**',
      'apps/web/dist/**',
      '**/*.cjs',
      '**/*.mjs',
      'apps/cli/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'import-x/no-cycle': ['error', { maxDepth: 10, ignoreExternal: true }],
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='forwardRef']",
          message: 'No forwardRef: fix the dependency direction.',
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/*', '../../apps/*'], message: 'Libraries must not import apps.' }] },
      ],
    },
  },
  {
    files: ['apps/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: [
      '**/*.spec.ts',
      '**/*.e2e-spec.ts',
      'test/**/*.ts',
      'scripts/**/*.ts',
      'bench/**/*.ts',
      'libs/testing/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })] },
    rules: {
      // Feature folders (apps/web/src/<feature>/): the customer portal is its own bundle and may use
      // only shared/ (no staff code or data in a customer's browser); shared/ depends on no feature;
      // staff features never reach into the portal.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './apps/web/src/portal',
              from: './apps/web/src',
              except: ['./portal', './shared'],
              message: 'The customer portal may import only from portal/ and shared/.',
            },
            {
              target: './apps/web/src/shared',
              from: './apps/web/src',
              except: ['./shared'],
              message: 'shared/ is used by both bundles and must not import a feature.',
            },
            {
              target: ['shell', 'inbox', 'ticket', 'customers', 'reports', 'admin'].map((f) => `./apps/web/src/${f}`),
              from: './apps/web/src/portal',
              message: 'Staff code must not import the customer portal.',
            },
          ],
        },
      ],
    },
  },
);
