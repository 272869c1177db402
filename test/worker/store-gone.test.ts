import { copyFileSync, existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { enqueue, makeProject, type Project, runBatchWorker, startWorker } from "../helpers/project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../helpers/task-source.js";

// A heartbeat every 200 ms: the worker compares the database path with its open file on each.
const CONFIG = `${SHARED_TASKS}
export default defineConfig({
  backends: {
    default: { backend: "sqlite", queues: ["default", "emails"], options: { path: "db/tasks.sqlite3", heartbeatMs: 200 } },
  },
  tasks: { ${SHARED_TASK_NAMES} },
});
`;

let project: Project;
afterEach(async () => {
  await project?.cleanup();
});

const dbPath = () => join(project.dir, "db", "tasks.sqlite3");

/** `tasks worker --reload` on a new project, its database deleted, and its worker exited: its stderr so far. */
async function reloadWithDatabaseDeleted() {
  project = await makeProject(CONFIG);
  const worker = startWorker(project, ["--reload"]);
  await worker.waitFor((e) => e.event === "started");
  let stderr = "";
  worker.proc.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  rmSync(join(project.dir, "db"), { recursive: true });
  while (!stderr.includes("waiting for a change")) {
    await new Promise((resolve) => worker.proc.stderr?.once("data", resolve));
  }
  return { worker, stderr: () => stderr };
}

describe("a worker whose database file goes away under it", () => {
  it("deleted (rm -rf to start over): it says so, exits 1, and a new worker serves the new file", async () => {
    project = await makeProject(CONFIG);
    const worker = startWorker(project);
    const first = await enqueue(project, "add", [1, 2]);
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === first.id);
    rmSync(join(project.dir, "db"), { recursive: true });
    const exited = await worker.proc;
    const said = `database ${dbPath()} was deleted while this worker ran (it kept serving the deleted file, which nothing else sees); start the worker again to serve a new one`;
    expect(exited.exitCode).toBe(1);
    expect(worker.events.filter((e) => e.event === "error").map((e) => e.message)).toEqual([said]);
    expect(String(exited.stderr).trim().split("\n").at(-1)).toBe(`Error: ${said}`);

    await project.config.close(); // this process's connection served the deleted file too
    const second = await enqueue(project, "add", [3, 4]);
    expect((await runBatchWorker(project)).exitCode).toBe(0);
    await second.refresh();
    expect([second.status, second.returnValue]).toEqual(["SUCCEEDED", 7]);
  });

  it("replaced by another file (a backup restored over it): it says so and exits 1", async () => {
    project = await makeProject(CONFIG);
    const worker = startWorker(project);
    await worker.waitFor((e) => e.event === "started");
    copyFileSync(dbPath(), `${dbPath()}.backup`);
    renameSync(`${dbPath()}.backup`, dbPath());
    const exited = await worker.proc;
    expect(exited.exitCode).toBe(1);
    expect(String(exited.stderr).trim().split("\n").at(-1)).toBe(
      `Error: database ${dbPath()} was replaced by another file while this worker ran (re-created, moved or restored); start the worker again to serve the file there now`,
    );
  });

  it("its -wal and -shm files deleted (tidying 'stray' files): it says so and exits 1", async () => {
    // The worker went on committing into the deleted log, which nothing else reads: tasks it
    // finished and tasks enqueued meanwhile were lost without a word.
    project = await makeProject(CONFIG);
    const worker = startWorker(project);
    const first = await enqueue(project, "add", [1, 2]);
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === first.id);
    rmSync(`${dbPath()}-wal`);
    rmSync(`${dbPath()}-shm`);
    const exited = await worker.proc;
    expect(exited.exitCode).toBe(1);
    expect(String(exited.stderr).trim().split("\n").at(-1)).toBe(
      `Error: database ${dbPath()}: its write-ahead log ${dbPath()}-wal was deleted or replaced while this worker ran (never delete the -wal and -shm files of a database in use: recent writes live there); stop every process using the database, then start the worker again, and run \`tasks check\``,
    );
  });

  it("under --reload: the supervisor waits for a change, and a stop then ends it with the worker's exit code", async () => {
    const { worker, stderr } = await reloadWithDatabaseDeleted();
    worker.proc.kill("SIGTERM");
    const exited = await worker.proc;
    expect({ code: exited.exitCode, signal: exited.signal }).toEqual({ code: 1, signal: undefined });
    expect(stderr()).toMatch(/Error: database .* was deleted while this worker ran/);
  });
});

describe("tasks worker --reload when the database goes away (rm -rf .tasks to start over)", () => {
  it("starts a worker on the new file once there is one, with no code change", async () => {
    const { worker, stderr } = await reloadWithDatabaseDeleted();
    await project.config.close(); // this process's connection served the deleted file
    // This enqueue makes the new file; before, the task waited until some code file changed.
    const after = await enqueue(project, "add", [3, 4]);
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === after.id);
    expect(stderr()).toContain(`a new database file is at ${dbPath()}: starting the worker on it`);
    worker.proc.kill("SIGTERM");
    expect((await worker.proc).exitCode).toBe(0);
    await after.refresh();
    expect([after.status, after.returnValue]).toEqual(["SUCCEEDED", 7]);
  });
});

describe("an app whose database file goes away under it", () => {
  it("follows the path: its next enqueue goes into the new file, which a worker then runs", async () => {
    project = await makeProject(CONFIG);
    // The path is checked at most once a second: this process's first use of the file (which
    // opens it and notes the check) is made 2 s in the past, so the next one checks at once.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() - 2_000);
      await enqueue(project, "add", [1, 2]);
    } finally {
      vi.useRealTimers();
    }
    rmSync(join(project.dir, "db"), { recursive: true });
    const after = await enqueue(project, "add", [3, 4]);
    expect(existsSync(dbPath())).toBe(true);
    expect((await runBatchWorker(project)).exitCode).toBe(0);
    await after.refresh();
    expect([after.status, after.returnValue]).toEqual(["SUCCEEDED", 7]);
  });
});
