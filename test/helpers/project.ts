import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { loadConfig } from "../../src/config/load.js";
import type { ActiveConfig } from "../../src/config/registry.js";
import type { TaskResult } from "../../src/core/result.js";
import { BIN, CHILD_ENV, tempDir, write } from "./cli.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "./task-source.js";

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

export interface Project {
  dir: string;
  configPath: string;
  config: ActiveConfig;
  /** Lines of runs.log. */
  runs(): string[];
  cleanup(): Promise<void>;
}

export async function makeProject(configText = PROJECT_CONFIG, files: Record<string, string> = {}): Promise<Project> {
  const { dir, cleanup } = tempDir();
  for (const [name, text] of Object.entries(files)) write(dir, name, text);
  const configPath = write(dir, "tasks.config.ts", configText);
  write(dir, "runs.log", "");
  process.env.TASKLANE_TEST_DIR = dir;
  const config = await loadConfig({ explicit: configPath });
  return {
    dir,
    configPath,
    config,
    runs: () => readFileSync(join(dir, "runs.log"), "utf8").split("\n").filter(Boolean),
    cleanup: async () => {
      await config.close();
      cleanup();
    },
  };
}

/** Enqueues a registered task of the project by name. */
export async function enqueue(project: Project, name: string, args: unknown[] = [], using = {}): Promise<TaskResult> {
  const t = project.config.tasks.get(name);
  if (!t) throw new Error(`no task ${name}`);
  return t.using(using).enqueue(...args);
}

export interface WorkerProcess {
  proc: ResultPromise;
  /** Parsed --json events so far. */
  events: Record<string, unknown>[];
  /** Resolves with the first event (past or future) matching the predicate. */
  waitFor(predicate: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Starts `tasks worker --json --no-startup-delay …` on the project as a real child process. */
/** Worker processes started by tests and not yet exited (test/setup-leftovers.ts kills them). */
export const liveWorkers = new Set<ResultPromise>();

export function startWorker(project: Project, args: string[] = []): WorkerProcess {
  const proc = execa("node", [BIN, "worker", "--json", "--no-startup-delay", "--config", project.configPath, ...args], {
    reject: false,
    stdin: "ignore",
    env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
  });
  liveWorkers.add(proc);
  void proc.finally(() => liveWorkers.delete(proc));
  const events: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }[] = [];
  let buffer = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  return {
    proc,
    events,
    waitFor: (predicate) => {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void proc.then((r) => reject(new Error(`worker exited (${r.exitCode}) before the event: ${r.stderr}`)));
      });
    },
  };
}

/** Runs `tasks worker --batch` to completion. */
export function runBatchWorker(project: Project, args: string[] = []) {
  return execa(
    "node",
    [BIN, "worker", "--batch", "--json", "--no-startup-delay", "--config", project.configPath, ...args],
    {
      reject: false,
      stdin: "ignore",
      env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
    },
  );
}

/** Re-reads a result until it satisfies the predicate (results change in another process). */
export async function waitForResult(
  result: TaskResult,
  predicate: (r: TaskResult) => boolean,
  timeoutMs = 30_000,
): Promise<TaskResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await result.refresh();
    if (predicate(result)) return result;
    if (Date.now() > deadline) throw new Error(`result ${result.id} stayed ${result.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
