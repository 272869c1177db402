import { afterAll, beforeAll } from "vitest";
import { type CliRun, tasks } from "../../src/testing/cli.js";
import { makeProject as makeProjectFrom, type Project } from "../../src/testing/project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";

// The project mechanics ship with the conformance suite (tasklane/testing); tests here use the same ones.
export {
  enqueue,
  liveWorkers,
  type Project,
  runBatchWorker,
  startWorker,
  type WorkerProcess,
  waitForResult,
} from "../../src/testing/project.js";

/**
 * A throwaway project: a tasks.config.ts with a sqlite backend and test tasks in a temp
 * folder. Tasks append "<resultId> <event>" lines to runs.log so tests can count runs.
 */
export const PROJECT_CONFIG = `${SHARED_TASKS}
/** Two attempts: a run lost with its worker is retried once. */
export const guarded = task({ takesContext: true, maxAttempts: 2 }, async (context: TaskContext, ms: number) => {
  log(context.taskResult.id + " start " + process.pid + " " + Date.now());
  await new Promise((resolve) => setTimeout(resolve, ms));
  log(context.taskResult.id + " end " + process.pid + " " + Date.now());
  return context.attempt;
});
export const slowQueue = task({ queueName: "slow" }, (n: number) => n);
/** Blocks its worker's event loop (a synchronous computation) for ms. */
export const blockFor = task((ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  return ms;
});

export default defineConfig({
  backends: {
    default: {
      backend: "sqlite",
      queues: ["default", "emails", "slow"],
      options: { path: "db/tasks.sqlite3", heartbeatMs: 200, leaseMs: 2000 },
    },
  },
  tasks: { ${SHARED_TASK_NAMES}, slowQueue, guarded, blockFor },
});
`;

/** A project with PROJECT_CONFIG unless given another config. */
export function makeProject(configText = PROJECT_CONFIG, files: Record<string, string> = {}): Promise<Project> {
  return makeProjectFrom(configText, files);
}

/**
 * One project for the whole test file (made before its first test, removed after its last), and
 * `tasks …` run in it with its config. Call at the top level of the file.
 */
export function projectForFile(): { project: () => Project; cli: (args: string[]) => CliRun } {
  let project: Project | undefined;
  beforeAll(async () => {
    project = await makeProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });
  const made = () => {
    if (!project) throw new Error("projectForFile(): the project is made in beforeAll");
    return project;
  };
  const cli = (args: string[]) =>
    tasks([...args, "--config", made().configPath], { cwd: made().dir, env: { TASKLANE_TEST_DIR: made().dir } });
  return { project: made, cli };
}
