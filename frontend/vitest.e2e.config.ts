import { defineConfig } from 'vitest/config';

// Browser tests: one server (global setup), spec files one after another (2 cores shared
// with other work), generous timeouts for a real browser on a loaded machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 90_000,
    // The first run imports and indexes the real catalogue (see e2e/server.ts).
    hookTimeout: 25 * 60_000,
    reporters: ['default'],
  },
});
