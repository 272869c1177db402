import { afterEach, beforeEach } from "vitest";
import * as kindsModule from "../../src/config/kinds.js";
import type { Backend, BackendCapabilities } from "../../src/contract/backend.js";
import type { ManagementStore } from "../../src/contract/management.js";
import type { TaskResult } from "../../src/core/result.js";
import { tasks as cli } from "../helpers/cli.js";
import { enqueue, makeProject, type Project } from "../helpers/project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../helpers/task-source.js";

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
  /** Extra lines at the top of the config (e.g. `import { MyBackend } from "./my-backend.ts";`). */
  imports?: string;
  capabilities: BackendCapabilities;
  /** `tasks worker` runs it (it stores tasks for other processes). */
  runsWorker: boolean;
  /** `backend.management()` is implemented (results, counts, cancel, retry, prune, …). */
  management: boolean;
  /** Tasks run inside enqueue, in the caller (the immediate backend). */
  runsInCaller?: boolean;
}

/** The suite's tasks. Tasks append "<resultId> <event> …" lines to runs.log so tests can count runs. */
export function configText(target: ConformanceTarget, context: { unique: string }): string {
  const entry = target.backend(context).trim();
  if (!entry.startsWith("{") || !entry.endsWith("}")) throw new Error("backend() must return an object literal");
  const withQueues = `${entry.slice(0, -1).replace(/,\s*$/, "")}, queues: ["default", "emails"] }`;
  return `${SHARED_TASKS}
${target.imports ?? ""}
export const alwaysFails = task(
  { takesContext: true, maxAttempts: 2, backoff: { type: "exponential", delayMs: 100, jitter: 0 } },
  (context: TaskContext) => {
    throw new TypeError("no luck on attempt " + context.attempt);
  },
);

export default defineConfig({
  backends: { default: ${withQueues} },
  tasks: { ${SHARED_TASK_NAMES}, alwaysFails },
});
`;
}

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

let counter = 0;

/** Registers beforeEach/afterEach giving every test its own project (folder, config, backend data). */
export function suiteContext(target: ConformanceTarget): Suite {
  let current: Project | undefined;
  beforeEach(async () => {
    const unique = `${target.name}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
    current = await makeProject(configText(target, { unique }));
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
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
  const { BUILTIN_KINDS } = kindsModule;
  const found = BUILTIN_KINDS[kind];
  if (!found) throw new Error(`no built-in backend kind "${kind}"`);
  return found.capabilities;
}
