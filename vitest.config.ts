import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One Dawn device at a time: SwiftShader on two cores gains nothing from
    // parallel files and several Vulkan instances only add memory.
    fileParallelism: false,
    pool: 'forks',
  },
});
