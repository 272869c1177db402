import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Backend, BackendClass } from "../contract/backend.js";
import type { QueueLimits } from "../contract/queue-controls.js";
import { ConfigError } from "../core/errors.js";
import { type AnyTask, isTask } from "../core/task.js";
import { BUILTIN_KINDS } from "./kinds.js";
import { checkLimits, queueLimitsShape } from "./limits.js";
import { ActiveConfig, type BackendEntry, setActiveConfig } from "./registry.js";
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

const shape = z.strictObject({
  backends: z
    .record(
      z.string().min(1),
      z.strictObject({
        backend: z.union([
          z.string().min(1),
          z.custom<BackendClass>((v) => typeof v === "function", "a Backend class"),
        ]),
        queues: z
          .array(
            z
              .string()
              .min(1)
              .refine((q) => !CONTROL.test(q), "a queue name cannot contain control characters"),
          )
          .optional(),
        options: z.record(z.string(), z.unknown()).optional(),
        limits: z.record(z.string().min(1), queueLimitsShape).optional(),
      }),
    )
    .optional(),
  tasks: z.record(z.string().min(1), z.custom<AnyTask>(isTask, "expected a task made with task()")).optional(),
  schedules: schedulesShape.optional(),
});

/** "backends.default.queues[0]: expected string, received number" */
export function formatZodError(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  if (!issue) return "invalid value";
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const where = `${prefix}${path}`.replace(/^\./, "");
  const message =
    issue.code === "unrecognized_keys" ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
  return where ? `${where}: ${message}` : message;
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

function customEntry(
  alias: string,
  Cls: BackendClass,
  queues: string[],
  options: Record<string, unknown>,
  limits: Record<string, QueueLimits>,
): BackendEntry {
  let made: InstanceType<BackendClass>;
  try {
    made = new Cls({ alias, queues, options, limits });
  } catch (error) {
    throw new ConfigError(`backends.${alias}: the custom backend's constructor threw: ${(error as Error).message}`);
  }
  return {
    alias,
    kind: made.kind ?? Cls.name,
    queues,
    options,
    capabilities: {
      supportsDefer: made.supportsDefer,
      supportsAsyncTask: made.supportsAsyncTask,
      supportsGetResult: made.supportsGetResult,
      supportsPriority: made.supportsPriority,
    },
    runsWorker: made.workerStore() !== null,
    secretKeys: [],
    limits: checkLimits(alias, made.kind ?? Cls.name, queues, limits, Cls.controls),
    controls: Cls.controls,
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
  const parsed = kind.options.safeParse(input.options ?? {});
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, `backends.${alias}.options`));
  const options = parsed.data;
  const limits = checkLimits(alias, String(input.backend), queues, input.limits ?? {}, kind.controls);
  for (const queue of queues) {
    const problem = kind.queueNameProblem?.(queue);
    if (problem) throw new ConfigError(`backends.${alias}.queues: queue "${queue}" ${problem}`);
  }
  return {
    alias,
    kind: input.backend as string,
    queues,
    options,
    capabilities: kind.capabilities,
    runsWorker: kind.runsWorker,
    secretKeys: kind.secretKeys,
    limits,
    controls: kind.controls,
    create: () => {
      const resolved = { ...options };
      for (const key of kind.pathKeys) {
        const value = resolved[key];
        if (typeof value === "string" && !isAbsolute(value)) resolved[key] = resolve(config.baseDir, value);
      }
      return kind.create({ alias, queues, options: resolved, limits });
    },
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
  const parsed = shape.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error));
  const { backends = { default: { backend: "immediate" } }, tasks = {} } = input;
  const config = new ActiveConfig({ tasks: new Map(), baseDir: callerDir() });
  for (const [alias, entry] of Object.entries(backends)) {
    const queues = entry.queues ?? ["default"];
    config.backends.set(
      alias,
      typeof entry.backend === "function"
        ? customEntry(alias, entry.backend, queues, entry.options ?? {}, entry.limits ?? {})
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
