import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { loadConfig } from "../config/load.js";
import type { ActiveConfig } from "../config/registry.js";
import type { TaskResult } from "../core/result.js";
import { BIN, CHILD_ENV, type CliRun, tempDir, write } from "./cli.js";

/**
 * A throwaway project: a tasks.config.ts (and any other files) in a temp folder, loaded in this
 * process. Its tasks append "<resultId> <event>" lines to runs.log so tests can count runs.
 */
export interface Project {
  dir: string;
  configPath: string;
  config: ActiveConfig;
  /** Lines of runs.log. */
  runs(): string[];
  cleanup(): Promise<void>;
}

export async function makeProject(configText: string, files: Record<string, string> = {}): Promise<Project> {
  const { dir, cleanup } = tempDir();
  for (const [name, text] of Object.entries(files)) write(dir, name, text);
  const configPath = write(dir, "tasks.config.ts", configText);
  write(dir, "runs.log", "");
  // Tasks run in this process too (the immediate backend), and they find runs.log through it.
  process.env.TASKLANE_TEST_DIR = dir;
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig({ explicit: configPath });
  } catch (error) {
    cleanup(); // a config that does not load: its test fails, and leaves no temp folder behind
    throw error;
  }
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

/** Worker processes started and not yet exited: a test that fails half-way leaves them behind. */
export const liveWorkers = new Set<ResultPromise>();

/** Kills the worker processes still alive (idle workers would wait for work forever). */
export async function killLeftoverWorkers(): Promise<void> {
  const left = [...liveWorkers];
  for (const proc of left) proc.kill("SIGKILL");
  await Promise.all(left);
}

function track<P extends ResultPromise>(proc: P): P {
  liveWorkers.add(proc);
  void proc.finally(() => liveWorkers.delete(proc));
  return proc;
}

const workerEnv = (project: Project) => ({ ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir });

/** Starts `tasks worker --json --no-startup-delay …` on the project as a real child process (`env`: more variables). */
export function startWorker(project: Project, args: string[] = [], env: Record<string, string> = {}): WorkerProcess {
  const proc = track(
    execa("node", [BIN, "worker", "--json", "--no-startup-delay", "--config", project.configPath, ...args], {
      reject: false,
      stdin: "ignore",
      env: { ...workerEnv(project), ...env },
    }),
  );
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
export function runBatchWorker(project: Project, args: string[] = []): CliRun {
  return track(
    execa("node", [BIN, "worker", "--batch", "--json", "--no-startup-delay", "--config", project.configPath, ...args], {
      reject: false,
      stdin: "ignore",
      env: workerEnv(project),
    }),
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
