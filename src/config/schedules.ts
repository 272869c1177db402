import { createRequire } from "node:module";
import type { Cron } from "croner";
import type { CatchUp, ScheduleSpec } from "../contract/schedules.js";
import { argsPath, arityOf } from "../core/arguments.js";
import { ConfigError } from "../core/errors.js";
import { type JsonArgs, type JsonValue, jsonViolation } from "../core/json.js";
import { array, custom, integer, object, oneOf, optional, record, string, unknown } from "../core/shape.js";
import { type AnyTask, isTask, type Task } from "../core/task.js";
import type { BackendEntry } from "./entry.js";

/** The argument list a task's enqueue takes. */
// biome-ignore lint/suspicious/noExplicitAny: any return type.
export type ArgsOfTask<T> = T extends Task<infer A, any> ? A : never;

/** `args` may be left out only when the task takes no required argument (JsonArgs: as enqueue takes them). */
type ArgsField<A> = [] extends A ? { args?: A } : { args: A };

/**
 * One entry of the config's `schedules`: `task` is enqueued with `args` (typed against the task)
 * at every tick of `cron`, by the ordinary workers, each tick exactly once however many run.
 */
export type ScheduleOptions<T extends AnyTask = AnyTask> = {
  task: T;
  /**
   * A cron expression: 5 fields ("minute hour day-of-month month day-of-week", e.g. "0 3 * * *"),
   * or 6 with seconds first ("*\/10 * * * * *"), or a nickname (@hourly, @daily, @weekly…).
   */
  cron: string;
  /** IANA time zone the expression is read in (e.g. "Europe/Paris"); default: the worker's local zone. */
  timezone?: string;
  /**
   * Ticks missed while no worker ran: one run for all of them ("latest", the default), one run
   * each ("all", at most catchUpLimit), or none ("none"; a tick at most a minute late still runs).
   */
  catchUp?: CatchUp;
  /** With catchUp "all": the most missed ticks enqueued at once (default 100). */
  catchUpLimit?: number;
} & ArgsField<JsonArgs<ArgsOfTask<T>>>;

type Ticks = Pick<ScheduleSpec, "nextAfter" | "lastTicks">;

/** A validated schedule of the active config (`timezone` null: none given, the local zone). */
export interface ScheduleEntry extends Pick<ScheduleSpec, "name" | "cron" | "catchUp" | "catchUpLimit">, Ticks {
  timezone: string | null;
  task: AnyTask;
  args: JsonValue[];
  /** Its ticks read in another IANA zone (a schedule without one, stored by a worker elsewhere). */
  inZone(zone: string): Ticks;
}

export const DEFAULT_CATCH_UP_LIMIT = 100;

/** The shape of `schedules` (the rules that need the tasks and backends come after). */
export const schedulesShape = record(
  object({
    task: custom<AnyTask>(isTask, "a task made with task()"),
    cron: string({ nonEmpty: true }),
    args: optional(array(unknown())),
    timezone: optional(string({ nonEmpty: true })),
    catchUp: optional(oneOf(["latest", "all", "none"])),
    catchUpLimit: optional(integer({ min: 1, max: 10_000 })),
  }),
  { nonEmptyKeys: true },
);

/** What the rules read from the config being built. */
export interface ScheduleContext {
  readonly backends: ReadonlyMap<string, BackendEntry>;
  isRegistered(task: AnyTask): boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Validates the config's `schedules`: names, registered tasks on a backend with workers, cron
 * expressions and time zones that parse and fire, arguments that fit the task. Throws a
 * ConfigError naming the schedule and what would be right.
 */
export function parseSchedules(
  input: Record<string, ScheduleOptions> | undefined,
  config: ScheduleContext,
): Map<string, ScheduleEntry> {
  const entries = new Map<string, ScheduleEntry>();
  for (const [name, options] of Object.entries(input ?? {})) {
    entries.set(name, parseSchedule(name, options, config));
  }
  return entries;
}

function parseSchedule(name: string, options: ScheduleOptions, config: ScheduleContext): ScheduleEntry {
  const where = `schedules[${JSON.stringify(name)}]`;
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`${where}${field ? `.${field}` : ""}: ${problem}`);
  };
  if (CONTROL.test(name)) fail("", "a schedule name cannot contain control characters");
  const { task } = options;
  if (!config.isRegistered(task)) {
    fail("task", `task "${task.name}" is not registered in tasks; add it to defineConfig({ tasks: { … } })`);
  }
  const backend = config.backends.get(task.backend);
  if (backend && !backend.runsWorker) {
    fail(
      "task",
      `task "${task.name}" runs on backend "${backend.alias}" (${backend.kind}), which has no workers to run schedules; put the task on a sqlite backend`,
    );
  }
  if (backend?.runsWorker && !backend.runsSchedules) {
    fail(
      "task",
      `task "${task.name}" runs on backend "${backend.alias}" (${backend.kind}), whose schedules() is null, so its workers cannot run schedules; implement schedules(), or put the task on a sqlite backend`,
    );
  }
  const timezone = options.timezone ?? null;
  if (timezone !== null && !isTimeZone(timezone)) {
    fail("timezone", `unknown time zone ${JSON.stringify(timezone)}; use an IANA name such as "Europe/Paris" or "UTC"`);
  }
  const cron = cronOf(options.cron, timezone, (problem) => fail("cron", problem));
  const args = checkScheduleArgs(task, options.args ?? [], (problem) => fail("args", problem));
  const zoned = new Map<string, Ticks>();
  return {
    name,
    task,
    args,
    cron: options.cron,
    timezone,
    catchUp: options.catchUp ?? "latest",
    catchUpLimit: options.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT,
    ...ticksOf(cron),
    inZone: (zone) => {
      let ticks = zoned.get(zone);
      if (!ticks) {
        ticks = ticksOf(new (croner())(options.cron, { mode: "5-or-6-parts", timezone: zone }));
        zoned.set(zone, ticks);
      }
      return ticks;
    },
  };
}

function ticksOf(cron: Cron): Ticks {
  return {
    nextAfter: (after) => cron.nextRun(after),
    // Ticks are whole seconds and previousRuns looks strictly before its (whole-second) reference.
    lastTicks: (n, atOrBefore) =>
      cron.previousRuns(n, new Date(Math.floor(atOrBefore.getTime() / 1000) * 1000 + 1000)).reverse(),
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * croner's Cron, loaded the first time a schedule is read: a config without schedules (and every
 * command that loads one) does not load a cron parser (~1 ms and 0.3 MB of each start-up).
 * Required through its CommonJS build, which it ships beside the ESM one.
 */
let cronClass: typeof Cron | undefined;
function croner(): typeof Cron {
  cronClass ??= (createRequire(import.meta.url)("croner") as typeof import("croner")).Cron;
  return cronClass;
}

/** The expression as croner reads it (5 or 6 fields), proven to fire at least once more. */
function cronOf(expression: string, timezone: string | null, fail: (problem: string) => never): Cron {
  let cron: Cron;
  try {
    cron = new (croner())(expression, { mode: "5-or-6-parts", ...(timezone ? { timezone } : {}) });
  } catch (error) {
    let why = String((error as Error)?.message ?? error).replace(/^CronPattern: /, "");
    // croner's own count ("five, six, or seven … parts") contradicts the advice below: 7 is refused here.
    if (/\bparts\b/.test(why)) {
      const fields = expression.trim().split(/\s+/).length;
      why = `it has ${fields} field${fields === 1 ? "" : "s"}`;
    }
    return fail(
      `${JSON.stringify(expression)} is not a valid cron expression (${why}); write 5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first`,
    );
  }
  if (cron.nextRun() === null) fail(`${JSON.stringify(expression)} never matches a date, so it would never run`);
  return cron;
}

/**
 * The arguments every tick enqueues: JSON values that fit the task, by its schema when the
 * schema answers synchronously (an async one is applied at each tick), else by its parameter count.
 */
function checkScheduleArgs(task: AnyTask, args: unknown[], fail: (problem: string) => never): JsonValue[] {
  const problem = jsonViolation(args, "args");
  if (problem) fail(`${problem}; arguments must be JSON values`);
  const schema = task.definition.argsSchema;
  if (schema) {
    const checked = schema["~standard"].validate(args);
    if (!(checked instanceof Promise) && checked.issues) {
      const [first] = checked.issues;
      fail(`${argsPath(first?.path)}: ${first?.message} (task "${task.name}" validates its arguments)`);
    }
    return args as JsonValue[];
  }
  const { min, max } = arityOf(task.definition.fn, task.takesContext);
  if (args.length < min || args.length > max) {
    const wanted = max === min ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    fail(`task "${task.name}" takes ${wanted} argument${wanted === "1" ? "" : "s"}, got ${args.length}`);
  }
  return args as JsonValue[];
}
