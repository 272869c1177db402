import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { promotedBytes } from "../helpers/gc.js";
import { makeProject, type Project } from "../helpers/project.js";

// A draining worker's garbage must die young. Two patterns made V8 promote nearly every task's
// objects to the old generation (GC ~9% of a drain, peak RSS +25 MB): a long-lived Map of the
// running tasks (churn-map.ts) and a finished record copied by spread and then given a property
// (records.ts). Measured from the worker's own --trace-gc-nvp lines: a drain of 30,000 no-op
// tasks promotes ~7 MB; with the Map back, 37 MB at --concurrency 50; with the spread back, ~20 MB.
const ROOT = join(import.meta.dirname, "../..");
const FIXTURES = join(import.meta.dirname, "fixtures");
const N = 30_000;

let project: Project;
beforeEach(async () => {
  project = await makeProject();
  await execa("node", ["--import", "tsx", join(FIXTURES, "enqueue-many.ts"), project.configPath, String(N)], {
    cwd: ROOT,
    env: { TASKLANE_TEST_DIR: project.dir },
  });
});
afterEach(async () => {
  await project.cleanup();
});

describe("a draining worker's memory", () => {
  it.each([50, 1])("promotes little to the old generation at --concurrency %i", async (concurrency) => {
    const run = await execa(
      "node",
      [
        "--trace-gc-nvp",
        BIN,
        "worker",
        "--batch",
        "--json",
        "--no-startup-delay",
        "--concurrency",
        String(concurrency),
        "--config",
        project.configPath,
      ],
      { reject: false, stdin: "ignore", env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout.match(/"event":"taskFinished"/g)?.length).toBe(N);
    const promoted = promotedBytes(run.stdout);
    console.log(
      `drain of ${N} no-op tasks at --concurrency ${concurrency}: ${(promoted / 2 ** 20).toFixed(1)} MB promoted`,
    );
    expect(promoted).toBeLessThan(12 * 2 ** 20);
  });
});
