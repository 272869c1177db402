import { execFileSync } from "node:child_process";
import { mkdtempSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectEachRanOnce, twoBusyWorkers } from "../helpers/busy-workers.js";
import { fillUp } from "../helpers/fill-disk.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, type WorkerProcess } from "../helpers/project.js";

// Leases against a full disk: nobody can write, the holders' heartbeats fail as much as anyone's.
// Before: once the disk had been full for a lease, the first worker to write again recovered the
// other's live task (READY, run a second time beside the first). A real 3 MB tmpfs (mounting
// needs root; CI runs as root, so there this test always runs).

const IS_ROOT = process.getuid?.() === 0;
const CI = process.env.CI === "true";
const LEASE_MS = 1000;

describe.skipIf(!IS_ROOT && !CI)("a full disk longer than a lease (3 MB tmpfs)", () => {
  let mount: string;
  let project: Project;

  beforeAll(async () => {
    mount = mkdtempSync(join(tmpdir(), "tasklane-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m,mode=0755", "tmpfs", mount]);
    project = await makeProject(
      PROJECT_CONFIG.replace(
        'path: "db/tasks.sqlite3"',
        `path: ${JSON.stringify(join(mount, "tasks.sqlite3"))}`,
      ).replace("leaseMs: 2000", `leaseMs: ${LEASE_MS}`),
    );
  });

  afterAll(async () => {
    await project?.cleanup();
    if (mount) {
      execFileSync("umount", ["--lazy", mount]);
      rmdirSync(mount);
    }
  });

  it("never makes a live worker's task recovered: each runs once, and both finish once there is room", async () => {
    const { workers, tasks } = await twoBusyWorkers(project, 20 * LEASE_MS, ["full-a", "full-b"]);

    // Fill the disk, and write until a write needs room the disk cannot give (the WAL is then
    // cut back to nothing, so every later write, each heartbeat included, needs room too).
    const ballast = join(mount, "ballast");
    let failed = false;
    for (let tries = 0; tries < 200 && !failed; tries++) {
      fillUp(ballast);
      failed = await enqueue(project, "add", [tries, 1]).then(
        () => false,
        () => true,
      );
    }
    expect(failed).toBe(true);

    // Both workers' beats fail for three leases: each says so on every heartbeat.
    const fullFor = (worker: WorkerProcess, reports: number) =>
      worker.waitFor((e) => e.event === "error" && String(e.message).includes("the disk is full") && --reports <= 0);
    await Promise.all(workers.map((worker) => fullFor(worker, (3 * LEASE_MS) / 200)));
    rmSync(ballast);

    await expectEachRanOnce(project, workers, tasks);
  }, 120_000);
});
