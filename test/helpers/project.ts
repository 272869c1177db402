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
