import { afterEach, beforeEach } from "vitest";
import { BUILTIN_KINDS } from "../config/kinds.js";
import type { Backend, BackendCapabilities } from "../contract/backend.js";
import type { ManagementStore } from "../contract/management.js";
import type { QueueControlSupport } from "../contract/queue-controls.js";
import type { TaskResult } from "../core/result.js";
import { tasks as cli } from "./cli.js";
import { enqueue, killLeftoverWorkers, makeProject, type Project } from "./project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "./task-source.js";

/** What the conformance suite needs to know about a backend. */
export interface ConformanceTarget {
  /** Shown in the describe blocks ("sqlite", "redis", "my-backend"). */
  name: string;
  /**
   * The `backends.default` entry of a tasks.config.ts, as TypeScript source of an object
   * literal without `queues` (the suite adds them), e.g.
   * `{ backend: "sqlite", options: { path: "db/tasks.sqlite3" } }` (relative paths resolve
   * against the project folder, fresh for every test). Called once per test: `unique` is a
   * fresh token, e.g. for a Redis key prefix.
   */
  backend(context: { unique: string }): string;
  /**
   * Extra lines at the top of the config, e.g. `import { MyBackend } from "/abs/path/my-backend.ts";`
   * (the config lives in a temp folder: import a custom backend by its absolute path).
   */
  imports?: string;
  capabilities: BackendCapabilities;
  /** `tasks worker` runs it (it stores tasks for other processes). */
  runsWorker: boolean;
  /**
   * `backend.management()` is implemented (results, counts, cancel, retry, prune, …). Checked on
   * waiting results always, and on finished ones when `runsWorker` is set too.
   */
  management: boolean;
  /** Tasks run inside enqueue, in the caller (the immediate backend). */
  runsInCaller?: boolean;
  /**
   * With `runsWorker`: how long after a worker is killed (SIGKILL) mid-task another worker takes
   * that task back, with the entry `backend()` returns (its lease, say). The suite then kills one
   * and checks that the run counts as a lost attempt (FAILED WorkerLost, never run twice at once).
   * Absent: not checked.
   */
  recoversWithinMs?: number;
  /**
   * Queue controls the backend enforces (pause, per-queue concurrency and rate, per-key
   * concurrency): the suite then adds limited queues and tasks to its config and checks them.
   */
  controls?: QueueControlSupport;
}

/** The suite's tasks. Tasks append "<resultId> <event> …" lines to runs.log so tests can count runs. */
export function configText(target: ConformanceTarget, context: { unique: string }): string {
  const entry = target.backend(context).trim();
  if (!entry.startsWith("{") || !entry.endsWith("}")) throw new Error("backend() must return an object literal");
  const controls = controlsConfig(target.controls);
  const withQueues = `${entry.slice(0, -1).replace(/,\s*$/, "")}, queues: ${JSON.stringify(controls.queues)}${controls.limits} }`;
  return `${SHARED_TASKS}
${controls.tasks}
${target.imports ?? ""}
export const alwaysFails = task(
  { takesContext: true, maxAttempts: 2, backoff: { type: "exponential", delayMs: 100, jitter: 0 } },
  (context: TaskContext) => {
    throw new TypeError("no luck on attempt " + context.attempt);
  },
);

export default defineConfig({
  backends: { default: ${withQueues} },
  tasks: { ${SHARED_TASK_NAMES}, alwaysFails${controls.names} },
});
`;
}

/** The queues, limits and tasks the queue-control tests need, for a backend that has the controls. */
function controlsConfig(controls: QueueControlSupport | undefined) {
  const queues = ["default", "emails"];
  const limits: string[] = [];
  const names: string[] = [];
  let tasks = "";
  if (controls?.queueConcurrency) {
    queues.push("limited");
    limits.push("limited: { concurrency: 3 }");
    names.push("limitedWork");
    tasks += CONTROL_TASKS.limitedWork;
  }
  if (controls?.rateLimit) {
    queues.push("rated");
    limits.push("rated: { rate: { limit: 10, periodMs: 1000 } }");
    names.push("ratedWork");
    tasks += CONTROL_TASKS.ratedWork;
  }
  if (controls?.keyConcurrency) {
    names.push("perTenant");
    tasks += CONTROL_TASKS.perTenant;
  }
  return {
    queues,
    limits: limits.length ? `, limits: { ${limits.join(", ")} }` : "",
    tasks,
    names: names.map((n) => `, ${n}`).join(""),
  };
}

/** Each logs "<id> start|end <ms>" so tests can measure overlap and rate from the tasks themselves. */
const CONTROL_TASKS = {
  limitedWork: `
export const limitedWork = task({ queueName: "limited", takesContext: true }, async (context: TaskContext, ms: number) => {
  log(context.taskResult.id + " start " + Date.now());
  await new Promise((resolve) => setTimeout(resolve, ms));
  log(context.taskResult.id + " end " + Date.now());
});
`,
  ratedWork: `
export const ratedWork = task({ queueName: "rated", takesContext: true }, (context: TaskContext) => {
  log(context.taskResult.id + " start " + Date.now());
});
`,
  perTenant: `
export const perTenant = task(
  { takesContext: true, concurrency: { key: (tenant: string) => tenant, limit: 1 } },
  async (context: TaskContext, tenant: string, ms: number) => {
    log(context.taskResult.id + " start " + Date.now() + " " + tenant);
    await new Promise((resolve) => setTimeout(resolve, ms));
    log(context.taskResult.id + " end " + Date.now() + " " + tenant);
  },
);
`,
};

export interface Suite {
  target: ConformanceTarget;
  /** The current test's project (fresh for every test). */
  project(): Project;
  backend(): Promise<Backend>;
  manage(): Promise<ManagementStore>;
  enqueue(name: string, args?: unknown[], using?: Record<string, unknown>): Promise<TaskResult>;
  /** Runs `tasks …` against the project in a child process. */
  cli(args: string[]): ReturnType<typeof cli>;
}

/**
 * Options for the suite's describe blocks: a worker test starts several processes, far beyond
 * vitest's default 5 s on a loaded machine, and the suite must not depend on the user's config.
 */
export const BLOCK = { timeout: 60_000 };
const HOOK_TIMEOUT = 60_000;

let counter = 0;

/** Registers beforeEach/afterEach giving every test its own project (folder, config, backend data). */
export function suiteContext(target: ConformanceTarget): Suite {
  let current: Project | undefined;
  beforeEach(async () => {
    const unique = `${target.name}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
    current = await makeProject(configText(target, { unique }));
  }, HOOK_TIMEOUT);
  afterEach(async () => {
    // A test that failed half-way may leave workers running on the project: stop them first.
    await killLeftoverWorkers();
    await current?.cleanup();
    current = undefined;
  }, HOOK_TIMEOUT);
  const project = () => {
    if (!current) throw new Error("no project: use inside a test");
    return current;
  };
  return {
    target,
    project,
    backend: () => project().config.getBackend("default"),
    manage: async () => {
      const manage = (await project().config.getBackend("default")).management();
      if (!manage) throw new Error(`${target.name}: management() returned null`);
      return manage;
    },
    enqueue: (name, args = [], using = {}) => enqueue(project(), name, args, using),
    cli: (args) =>
      cli([...args, "--config", project().configPath], {
        cwd: project().dir,
        env: { TASKLANE_TEST_DIR: project().dir },
      }),
  };
}

/** The capabilities a built-in kind declares. */
export function capabilitiesOf(kind: string): BackendCapabilities {
  const found = BUILTIN_KINDS[kind];
  if (!found) throw new Error(`no built-in backend kind "${kind}"`);
  return found.capabilities;
}
