// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'drizzle/**', 'coverage/**', '*.mjs', 'bench/results/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-console': 'error',
    },
  },
  {
    // A Nest user's stock decorators would be silently ignored here (issue 19.6): point them to
    // ours. Only the adapters in src/rate-limit and src/cache build on these packages.
    files: ['**/*.ts'],
    ignores: ['src/rate-limit/**', 'src/cache/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/throttler',
              importNames: ['Throttle', 'ThrottlerGuard'],
              message:
                'Routes opt in to named limits with @RateLimit(NAME) from src/rate-limit (limits THROTTLE_<NAME>); @Throttle would be ignored. @SkipThrottle() works as documented.',
            },
            {
              name: '@nestjs/cache-manager',
              importNames: ['CacheKey', 'CacheTTL', 'CacheInterceptor'],
              message:
                'Cache a GET route with @CachedResponse(NAME) from src/cache (TTL CACHE_TTL_<NAME>, invalidated by tags); @CacheKey/@CacheTTL would be ignored.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
);
