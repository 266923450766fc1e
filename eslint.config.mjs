// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Only main.ts, post.ts and report/ may talk to the runner; the rest gets a Log.
      'no-restricted-imports': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/post.ts', 'src/index.ts', 'src/report/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['@actions/core', '@actions/exec'] }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
