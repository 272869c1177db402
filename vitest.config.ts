import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.{ts,tsx}"],
    // oclif's this.log is console.log and Ink patches console: vitest must not intercept it.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: worker-process tests already run several processes each.
    maxWorkers: 2,
    setupFiles: ["test/setup-oclif-test.ts", "test/setup-leftovers.ts"],
    reporters: ["default", "./test/plain-summary-reporter.ts"],
  },
});
