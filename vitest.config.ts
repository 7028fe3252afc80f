import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,firmware,host,simulator,bench,bin,interop,soak}/**/*.test.ts'],
    exclude: ['node_modules/**', 'firmware/src/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
