import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend, BackendClass } from "../contract/backend.js";
import type { QueueLimits } from "../contract/queue-controls.js";
import { ConfigError } from "../core/errors.js";
import { array, custom, either, object, optional, record, ShapeError, string, unknown } from "../core/shape.js";
import { type AnyTask, isTask } from "../core/task.js";
import { BUILTIN_KINDS } from "./kinds.js";
import { checkLimits, queueLimitsShape } from "./limits.js";
import { ActiveConfig, type BackendEntry, setActiveConfig } from "./registry.js";
import { parseRetention, type RetentionConfig, retentionShape } from "./retention.js";
import { parseSchedules, type ScheduleOptions, schedulesShape } from "./schedules.js";

export interface BackendConfig {
  /** "sqlite", "immediate", "dummy", or a class implementing Backend. */
  backend: string | BackendClass;
  /** Allowed queue names (default ["default"]); [] allows any. */
  queues?: string[];
  options?: Record<string, unknown>;
  /**
   * Per-queue limits, across every worker and host: `{ emails: { concurrency: 5, rate: { limit: 100,
   * periodMs: 60_000 } } }`. A backend that cannot hold one refuses the config.
   */
  limits?: Record<string, QueueLimits>;
  /**
   * How long finished results are kept: `{ olderThan: "14d", failedOlderThan: "90d" }`. The
   * backend's running workers delete older ones about once an hour, as `tasks prune` would.
   */
  retention?: RetentionConfig;
}

/** `S` maps each schedule's name to its task, inferred from `schedules`, so `args` is checked against that task. */
export interface TasklaneConfigInput<S extends Record<string, AnyTask> = Record<string, AnyTask>> {
  backends?: Record<string, BackendConfig>;
  tasks?: Record<string, AnyTask>;
  /**
   * Tasks enqueued on a cron schedule by the ordinary workers, each tick exactly once however
   * many run: `{ nightlyReport: { task: report, cron: "0 3 * * *", args: ["daily"], timezone:
   * "Europe/Paris" } }`. Removing one stops it.
   */
  schedules?: { [K in keyof S]: ScheduleOptions<S[K]> };
}

/** What defineConfig returns: the active config, as an app sees it. */
export interface TasklaneConfig {
  /** The config file, once loaded from one (null for a config built in code). */
  readonly path: string | null;
  /** Registered tasks by name. */
  readonly tasks: ReadonlyMap<string, AnyTask>;
  /** The backend configured under `alias`, opened on first use and shared. */
  getBackend(alias: string): Promise<Backend>;
  /** Closes every backend this config opened (connections, files), so the process can exit. */
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

const queueName = string({
  nonEmpty: true,
  rule: (q) => (CONTROL.test(q) ? "a queue name cannot contain control characters" : null),
});

const shape = object({
  backends: optional(
    record(
      object({
        backend: either<string | BackendClass>(
          [string({ nonEmpty: true }), custom<BackendClass>((v) => typeof v === "function", "a Backend class")],
          "a backend kind name or a Backend class",
        ),
        queues: optional(array(queueName)),
        options: optional(record(unknown())),
        limits: optional(record(queueLimitsShape, { nonEmptyKeys: true })),
        retention: optional(retentionShape),
      }),
      { nonEmptyKeys: true },
    ),
  ),
  tasks: optional(record(custom<AnyTask>(isTask, "a task made with task()"), { nonEmptyKeys: true })),
  schedules: optional(schedulesShape),
});

/** Checks `value` against `s`, as a ConfigError naming where under `prefix` and what was expected. */
function checkShape<T>(s: { parse(value: unknown): T }, value: unknown, prefix = ""): T {
  try {
    return s.parse(value);
  } catch (error) {
    if (error instanceof ShapeError) throw new ConfigError(error.describe(prefix));
    throw error;
  }
}

/** The folder of the file that called defineConfig (best effort; the file loader sets it exactly). */
function callerDir(): string {
  for (const line of (new Error().stack ?? "").split("\n").slice(3)) {
    const file = /((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/.exec(line.trim())?.[1];
    if (file && !file.includes("/config/define.")) {
      return dirname(file.startsWith("file://") ? fileURLToPath(file) : file);
    }
  }
  return process.cwd();
}

function customEntry(alias: string, Cls: BackendClass, queues: string[], input: BackendConfig): BackendEntry {
  const options = input.options ?? {};
  const limits = input.limits ?? {};
  let made: InstanceType<BackendClass>;
  try {
    made = new Cls({ alias, queues, options, limits });
  } catch (error) {
    throw new ConfigError(`backends.${alias}: the custom backend's constructor threw: ${(error as Error).message}`);
  }
  const kind = made.kind ?? Cls.name;
  const runsWorker = made.workerStore() !== null;
  return {
    alias,
    kind,
    queues,
    options,
    capabilities: {
      supportsDefer: made.supportsDefer,
      supportsAsyncTask: made.supportsAsyncTask,
      supportsGetResult: made.supportsGetResult,
      supportsPriority: made.supportsPriority,
    },
    runsWorker,
    runsSchedules: runsWorker && made.schedules() !== null,
    secretKeys: [],
    limits: checkLimits(alias, kind, queues, limits, Cls.controls),
    controls: Cls.controls,
    retention: parseRetention(alias, kind, runsWorker, input.retention, made.management() !== null),
    store: null,
    create: async () => made,
  };
}

function builtinEntry(alias: string, input: BackendConfig, config: ActiveConfig): BackendEntry {
  const queues = input.queues ?? ["default"];
  const kind = BUILTIN_KINDS[input.backend as string];
  if (!kind) {
    throw new ConfigError(
      `backends.${alias}.backend: unknown backend kind "${String(input.backend)}"; expected one of ${Object.keys(BUILTIN_KINDS).join(", ")} or a Backend class`,
    );
  }
  const options = checkShape(kind.options, input.options ?? {}, `backends.${alias}.options`);
  const limits = checkLimits(alias, String(input.backend), queues, input.limits ?? {}, kind.controls);
  for (const queue of queues) {
    const problem = kind.queueNameProblem?.(queue);
    if (problem) throw new ConfigError(`backends.${alias}.queues: queue "${queue}" ${problem}`);
  }
  const resolved = { ...options };
  for (const key of kind.pathKeys) {
    const value = resolved[key];
    if (typeof value === "string" && !isAbsolute(value)) resolved[key] = resolve(config.baseDir, value);
  }
  return {
    alias,
    kind: input.backend as string,
    queues,
    options,
    capabilities: kind.capabilities,
    runsWorker: kind.runsWorker,
    runsSchedules: kind.runsWorker,
    secretKeys: kind.secretKeys,
    limits,
    controls: kind.controls,
    retention: parseRetention(alias, String(input.backend), kind.runsWorker, input.retention),
    store: kind.storeOf?.(resolved) ?? null,
    create: () => kind.create({ alias, queues, options: resolved, limits }),
  };
}

function registerTasks(input: Record<string, AnyTask>): Map<string, AnyTask> {
  const tasks = new Map<string, AnyTask>();
  const seen = new Map<AnyTask["definition"], string>();
  for (const [key, t] of Object.entries(input)) {
    const name = t.definition.explicitName ?? key;
    if (CONTROL.test(name)) {
      throw new ConfigError(
        `tasks[${JSON.stringify(key)}]: task name ${JSON.stringify(name)} contains a control character (a newline, a tab…); use printable characters`,
      );
    }
    const earlier = seen.get(t.definition);
    if (earlier !== undefined) {
      throw new ConfigError(`tasks.${key}: the same task is already registered as "${earlier}"`);
    }
    if (tasks.has(name)) {
      throw new ConfigError(`tasks.${key}: duplicate task name "${name}"; give one of them another name`);
    }
    seen.set(t.definition, name);
    tasks.set(name, t);
  }
  // Names are assigned only once the whole map is valid, so a failed config changes nothing.
  for (const [name, t] of tasks) t.definition.registeredName = name;
  return tasks;
}

/**
 * Declares the project's backends and tasks, registers each task under its name and makes
 * this the active config. Throws ConfigError (shape, kinds, duplicates) or InvalidTaskError.
 */
export function defineConfig<S extends Record<string, AnyTask> = Record<string, AnyTask>>(
  input: TasklaneConfigInput<S>,
): TasklaneConfig {
  checkShape(shape, input);
  const { backends = { default: { backend: "immediate" } }, tasks = {} } = input;
  const config = new ActiveConfig({ tasks: new Map(), baseDir: callerDir() });
  for (const [alias, entry] of Object.entries(backends)) {
    const queues = entry.queues ?? ["default"];
    config.backends.set(
      alias,
      typeof entry.backend === "function"
        ? customEntry(alias, entry.backend, queues, entry)
        : builtinEntry(alias, entry, config),
    );
  }
  if (!config.backends.has("default")) {
    throw new ConfigError(
      `backends: a backend named "default" is required (found ${[...config.backends.keys()].join(", ")})`,
    );
  }
  for (const [name, t] of registerTasks(tasks)) config.tasks.set(name, t);
  for (const t of config.tasks.values()) config.check(t);
  const schedules = input.schedules as Record<string, ScheduleOptions> | undefined;
  for (const [name, entry] of parseSchedules(schedules, config)) config.schedules.set(name, entry);
  setActiveConfig(config);
  return config;
}

/** The config used when no file exists: one immediate backend, as Django does. */
export function implicitConfig(): ActiveConfig {
  const config = new ActiveConfig({ tasks: new Map(), baseDir: process.cwd(), isImplicit: true });
  config.backends.set("default", builtinEntry("default", { backend: "immediate" }, config));
  return config;
}
