// Lint configuration for the whole workspace (ESLint flat config with typescript-eslint). Formatting is Prettier's
// job (.prettierrc.json); `npm run lint` runs both, `npm run format` fixes what can be fixed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/src/protocol/generated/**',
      'bench/out/**',
      '.orderflow/**',
      'packages/console/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // main.ts files declare handles that signal handlers read before startup has assigned them.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(fs|path|os|net|http|crypto|util|url|zlib|events|stream|child_process)$',
              message: 'Use the node: protocol.',
            },
          ],
        },
      ],
    },
  },
);
