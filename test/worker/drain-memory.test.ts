import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { promotedBytes } from "../helpers/gc.js";
import { makeProject, type Project } from "../helpers/project.js";

// A draining worker's garbage must die young. Two patterns made V8 promote nearly every task's
// objects to the old generation (GC ~9% of a drain, peak RSS +45 MB): a long-lived Map of the
// running tasks (churn-map.ts) and a copy made by spread that then gains a property (applyOutcome
// in records.ts; the redis runner's job copies). Measured from the worker's own --trace-gc-nvp
// lines, from its first finished task on (start-up promotes 2–20 MB, varying with load and jiti's
// cache). SQLite, 30,000 no-op tasks: ~1 MB promoted, with a 2 MB young generation or two busy
// cores too; with the Map back, 34 MB at --concurrency 50; with applyOutcome's spread back, 14 MB.
// (The completion's parameters in store.ts, the same spread, add only ~3 MB: below this bound.)
// A Redis drain is not bounded here: BullMQ's requests in flight make what it promotes swing
// from 5 to 60 MB with V8's young-generation sizing and the machine's load, so no bound tells its
// job copies' spreads (+17 MB on a quiet machine) from noise.
const ROOT = join(import.meta.dirname, "../..");
const FIXTURES = join(import.meta.dirname, "fixtures");
const MB = 2 ** 20;

/** Enqueues `n` no-op tasks, drains them with a real `tasks worker --batch`, returns the bytes promoted. */
async function drainPromoted(project: Project, n: number, concurrency: number): Promise<number> {
  const env = { TASKLANE_TEST_DIR: project.dir };
  await execa("node", ["--import", "tsx", join(FIXTURES, "enqueue-many.ts"), project.configPath, String(n)], {
    cwd: ROOT,
    env,
  });
  const run = await execa(
    "node",
    [
      "--trace-gc-nvp",
      BIN,
      ...["worker", "--batch", "--json", "--no-startup-delay", "--concurrency", String(concurrency)],
      ...["--config", project.configPath],
    ],
    { reject: false, stdin: "ignore", env: { ...CHILD_ENV, ...env } },
  );
  expect(run.exitCode).toBe(0);
  expect(run.stdout.match(/"event":"taskFinished"/g)?.length).toBe(n);
  // From the first finished task on: start-up's promotion varies with load and jiti's cache.
  const promoted = promotedBytes(run.stdout, '"event":"taskFinished"');
  const whole = promotedBytes(run.stdout);
  console.log(
    `drain of ${n} no-op tasks at --concurrency ${concurrency}: ${(promoted / MB).toFixed(1)} MB promoted ` +
      `(${(whole / MB).toFixed(1)} MB with start-up)`,
  );
  return promoted;
}

describe("a draining worker's memory (sqlite)", () => {
  it.each([50, 1])("promotes little to the old generation at --concurrency %i", async (concurrency) => {
    const project = await makeProject();
    try {
      expect(await drainPromoted(project, 30_000, concurrency)).toBeLessThan(6 * MB);
    } finally {
      await project.cleanup();
    }
  });
});
