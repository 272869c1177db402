import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { enqueue, makeProject, runBatchWorker } from "../helpers/project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../helpers/task-source.js";

const CONFIG = `${SHARED_TASKS}
export default defineConfig({
  backends: {
    default: { backend: "sqlite", queues: ["default", "emails"], options: { path: "db/tasks.sqlite3" }, retention: { olderThan: "0s" } },
  },
  tasks: { ${SHARED_TASK_NAMES} },
});
`;

describe("retention in the worker's plain output", () => {
  it("logs one line per pass that deleted something, with the ages kept", async () => {
    const project = await makeProject(CONFIG);
    try {
      await enqueue(project, "add", [1, 2]);
      expect((await runBatchWorker(project)).exitCode).toBe(0);
      const worker = execa("node", [BIN, "worker", "--no-startup-delay", "--config", project.configPath], {
        reject: false,
        stdin: "ignore",
        env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir, TASKLANE_RETENTION_EVERY_MS: "200" },
      });
      const line = await new Promise<string>((resolve, reject) => {
        let seen = "";
        worker.stdout?.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          const found = /^.* pruned .*$/m.exec(seen);
          if (found) resolve(found[0]);
        });
        void worker.then((r) => reject(new Error(`worker exited (${r.exitCode}) first: ${r.stdout} ${r.stderr}`)));
      });
      expect(line).toMatch(/^\S+Z pruned 1 finished result \(retention: older than 0s\)$/);
      worker.kill("SIGTERM");
      expect((await worker).exitCode).toBe(0);
    } finally {
      await project.cleanup();
    }
  });
});
