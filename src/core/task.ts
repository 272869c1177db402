import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type ArgsSchema, checkArguments, isArgsSchema, validateArgsNow } from "./arguments.js";
import type { TaskContext } from "./context.js";
import { TASK_DEFAULTS } from "./defaults.js";
import { activeEnvironment, type EnqueueRequest, ensureEnvironment, type TaskBackend } from "./environment.js";
import { InvalidTaskError, TaskResultMismatch } from "./errors.js";
import { type JsonArgs, type JsonReturn, type JsonValue, jsonViolation } from "./json.js";
import type { TaskResult } from "./result.js";
import type { Backoff } from "./retry.js";
import {
  type ConcurrencyOptions,
  checkControls,
  concurrencyOf,
  type UniqueOption,
  uniqueHold,
} from "./task-controls.js";
import { checkKnownKeys, checkTaskSettings, describeValue } from "./validation.js";

export type { Backoff } from "./retry.js";

/** `A`: the task's arguments, which its `unique.key` and `concurrency.key` functions receive. */
// biome-ignore lint/suspicious/noExplicitAny: the default for options not tied to one task.
export interface TaskOptions<A extends unknown[] = any[]> {
  /** Registered name; default: the task's key in the config's `tasks`. */
  name?: string;
  /** −100..100, larger runs first. Default 0. */
  priority?: number;
  queueName?: string;
  /** Backend alias. Default "default". */
  backend?: string;
  takesContext?: boolean;
  /** Runs allowed in all (default 1: no retries). */
  maxAttempts?: number;
  backoff?: Backoff;
  /**
   * A schema for the argument list, from any Standard Schema library (zod, valibot, arktype):
   * e.g. `z.tuple([z.string().email(), z.string()])`. Arguments are validated at enqueue (the
   * error names the path of the bad value), `tasks enqueue` coerces its strings by it, and the
   * function's parameter types are inferred from it.
   */
  args?: ArgsSchema;
  /**
   * How long one attempt may run. At the deadline `context.signal` aborts (reason: a
   * TaskTimeout) and the attempt ends FAILED TaskTimeout, retried if attempts are left; the
   * worker's slot is freed even if the function ignores the signal.
   */
  timeoutMs?: number;
  /**
   * An enqueue of a key already held returns the existing result (`deduplicated: true`) instead
   * of storing a second: `true` (key = name + arguments, held while READY or RUNNING) or
   * `{ key?: (...args) => string, scope?: "ready" | "active" | { periodMs } }`.
   */
  unique?: UniqueOption<A>;
  /** At most `limit` tasks with the same key run at once across all workers: `{ key: (...args) => string, limit }`. */
  concurrency?: ConcurrencyOptions<A>;
}

export interface UsingOptions {
  priority?: number;
  queueName?: string;
  runAfter?: Date;
  backend?: string;
  timeoutMs?: number;
  /** Makes this enqueue unique (or not, with false); see TaskOptions.unique. */
  unique?: UniqueOption;
}

const TASK_OPTION_KEYS: readonly (keyof TaskOptions)[] = [
  "name",
  "priority",
  "queueName",
  "backend",
  "takesContext",
  "maxAttempts",
  "backoff",
  "args",
  "timeoutMs",
  "unique",
  "concurrency",
];
const USING_OPTION_KEYS: readonly (keyof UsingOptions)[] = [
  "priority",
  "queueName",
  "runAfter",
  "backend",
  "timeoutMs",
  "unique",
];

/** The settings a `using()` copy may change. */
interface TaskSettingsInput {
  priority: number;
  queueName: string;
  backend: string;
  runAfter: Date | null;
  timeoutMs: number | null;
  unique: UniqueOption | undefined;
}

/** What a task is, shared by every `using()` copy (so naming it in the config names them all). */
export interface TaskDefinition {
  // biome-ignore lint/suspicious/noExplicitAny: the function's own types live on Task<A, R>.
  readonly fn: (...args: any[]) => unknown;
  readonly takesContext: boolean;
  readonly maxAttempts: number;
  readonly backoff: Backoff | undefined;
  /** The argument schema, when the task declares one. */
  readonly argsSchema: ArgsSchema | undefined;
  /** The per-key concurrency limit, when the task declares one. */
  readonly concurrency: ConcurrencyOptions | undefined;
  readonly explicitName: string | undefined;
  /** Set by defineConfig from the task's key in `tasks` (or its explicit name). */
  registeredName: string | undefined;
}

const TASK_BRAND = Symbol.for("tasklane.task");

// biome-ignore lint/suspicious/noExplicitAny: a task of any signature.
export type AnyTask = Task<any[], any>;

/** True for Task objects, including ones made by another copy of this module (jiti). */
export function isTask(value: unknown): value is AnyTask {
  return typeof value === "object" && value !== null && (value as { [TASK_BRAND]?: boolean })[TASK_BRAND] === true;
}

/** A declared task: enqueue it, run it in place with call(), or fetch its results. */
export class Task<A extends unknown[], R> {
  readonly [TASK_BRAND] = true;
  readonly definition: TaskDefinition;
  readonly priority: number;
  readonly queueName: string;
  readonly backend: string;
  readonly runAfter: Date | null;
  /** The attempt deadline in ms, or null for none. */
  readonly timeoutMs: number | null;
  /** Whether (and how) an enqueue is unique. */
  readonly unique: UniqueOption | undefined;

  constructor(definition: TaskDefinition, settings: TaskSettingsInput) {
    this.definition = definition;
    this.priority = settings.priority;
    this.queueName = settings.queueName;
    this.backend = settings.backend;
    this.runAfter = settings.runAfter;
    this.timeoutMs = settings.timeoutMs;
    this.unique = settings.unique;
  }

  get name(): string {
    const d = this.definition;
    return d.registeredName ?? d.explicitName ?? (d.fn.name || "anonymous");
  }
  get takesContext(): boolean {
    return this.definition.takesContext;
  }
  get maxAttempts(): number {
    return this.definition.maxAttempts;
  }
  get backoff(): Backoff | undefined {
    return this.definition.backoff;
  }

  /** A copy with some settings changed; `undefined` keeps the current value. */
  using(options: UsingOptions): Task<A, R> {
    checkKnownKeys(`Task "${this.name}": using()`, options, USING_OPTION_KEYS);
    const copy = new Task<A, R>(this.definition, {
      priority: options.priority ?? this.priority,
      queueName: options.queueName ?? this.queueName,
      backend: options.backend ?? this.backend,
      runAfter: options.runAfter ?? this.runAfter,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      unique: options.unique ?? this.unique,
    });
    checkControls(this.name, options.unique, undefined);
    checkTaskSettings(copy);
    activeEnvironment<AnyTask>()?.check(copy);
    return copy;
  }

  /** Stores the task for a worker (or runs it, on the immediate backend). */
  async enqueue(...args: JsonArgs<A>): Promise<TaskResult<Awaited<R>>> {
    const [result] = await this.enqueueMany([args]);
    return result as TaskResult<Awaited<R>>;
  }

  /** Enqueues many calls in one round trip (one transaction / one pipeline). */
  async enqueueMany(argsList: JsonArgs<A>[]): Promise<TaskResult<Awaited<R>>[]> {
    const backend = await this.#backend();
    // JsonArgs<A> is A with what JSON cannot carry ruled out: the same values.
    const requests = await this.prepare(argsList as unknown as A[]);
    if (requests.length === 0) return [];
    return (await backend.enqueueMany(this, requests)) as TaskResult<Awaited<R>>[];
  }

  /**
   * The checked requests an enqueueMany of these calls hands its backend (arguments validated and
   * JSON-checked, unique and concurrency keys computed), without storing anything: the scheduler
   * stores a schedule's ticks through it.
   */
  async prepare(argsList: A[]): Promise<EnqueueRequest[]> {
    if (!Array.isArray(argsList)) {
      throw new InvalidTaskError(
        `Task "${this.name}": enqueueMany takes an array of argument lists, e.g. [["a@example.com"], ["b@example.com"]], got ${describeValue(argsList)}`,
      );
    }
    const requests: EnqueueRequest[] = [];
    for (const [i, given] of argsList.entries()) {
      const where = argsList.length > 1 ? ` (call ${i})` : "";
      if (!Array.isArray(given)) {
        throw new InvalidTaskError(`Task "${this.name}"${where}: the arguments must be an array, got ${typeof given}`);
      }
      // Awaited only when a schema validates them: an await per call costs a batch of 1,000 ~8%.
      const checked = checkArguments(this, given, where);
      const args = Array.isArray(checked) ? checked : await checked;
      const problem = jsonViolation(args, "args");
      if (problem) {
        throw new InvalidTaskError(`Task "${this.name}"${where}: ${problem}; arguments must be JSON values`);
      }
      const request: EnqueueRequest = {
        taskName: this.name,
        args: args as JsonValue[],
        queueName: this.queueName,
        priority: this.priority,
        runAfter: this.runAfter,
        maxAttempts: this.maxAttempts,
        timeoutMs: this.timeoutMs,
      };
      const hold = uniqueHold(this.name, this.unique, args, Date.now());
      if (hold) request.unique = hold;
      const limit = concurrencyOf(this.name, this.definition.concurrency, args);
      if (limit) request.concurrency = limit;
      requests.push(request);
    }
    return requests;
  }

  /** Reads a result of this task by id, from its backend. */
  async getResult(id: string): Promise<TaskResult<Awaited<R>>> {
    const backend = await this.#backend();
    const result = await backend.getResult(id);
    if (result.taskName !== this.name) {
      throw new TaskResultMismatch(`Result ${id} belongs to task "${result.taskName}", not "${this.name}"`);
    }
    return result as TaskResult<Awaited<R>>;
  }

  /**
   * Runs the function in place, now, in this process (no backend, no result). With an `args`
   * schema the function gets what the schema parsed, as a worker's run does.
   */
  call(...args: A): R {
    if (this.takesContext) {
      throw new InvalidTaskError(
        `Task "${this.name}" takes a context; call its function directly or enqueue it on the immediate backend`,
      );
    }
    const schema = this.definition.argsSchema;
    const input = schema ? validateArgsNow(this.name, schema, args) : args;
    const fn = this.definition.fn; // a plain call: no "Object.fn" in the caller's stack (see attempt.ts)
    return fn(...input) as R;
  }

  /** The task's backend, after every rule that needs the config (loading it on first use). */
  async #backend(): Promise<TaskBackend<AnyTask>> {
    const environment = await ensureEnvironment<AnyTask>();
    environment.check(this);
    return environment.backend(this.backend);
  }
}

type ContextFn<A extends unknown[], R> = (context: TaskContext, ...args: A) => R;
/** A schema's tuple type as a parameter list. */
type ArgsOf<T> = T extends readonly unknown[] ? [...T] : never;
type SchemaInput<S extends ArgsSchema> = ArgsOf<StandardSchemaV1.InferInput<S>>;
type SchemaOutput<S extends ArgsSchema> = ArgsOf<StandardSchemaV1.InferOutput<S>>;

/** Declares a task. `task(fn)` or `task(options, fn)`; with `takesContext`, fn gets a TaskContext first. */
export function task<A extends unknown[], R>(fn: ((...args: A) => R) & JsonReturn<R>): Task<A, R>;
export function task<S extends ArgsSchema, R>(
  options: TaskOptions<SchemaOutput<S>> & { args: S; takesContext: true },
  fn: ContextFn<SchemaOutput<S>, R> & JsonReturn<R>,
): Task<SchemaInput<S>, R>;
export function task<S extends ArgsSchema, R>(
  options: TaskOptions<SchemaOutput<S>> & { args: S; takesContext?: false },
  fn: ((...args: SchemaOutput<S>) => R) & JsonReturn<R>,
): Task<SchemaInput<S>, R>;
export function task<A extends unknown[], R>(
  options: TaskOptions<A> & { args?: undefined; takesContext: true },
  fn: ContextFn<A, R> & JsonReturn<R>,
): Task<A, R>;
export function task<A extends unknown[], R>(
  options: TaskOptions<A> & { args?: undefined; takesContext?: false },
  fn: ((...args: A) => R) & JsonReturn<R>,
): Task<A, R>;
export function task(
  // biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types.
  optionsOrFn: TaskOptions | ((...args: any[]) => unknown),
  // biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types.
  maybeFn?: (...args: any[]) => unknown,
): AnyTask {
  // Options after the function would otherwise be dropped without a word (jiti runs a config
  // without type-checking it, so the overloads alone do not catch this).
  if (typeof optionsOrFn === "function" && maybeFn !== undefined) {
    const named = optionsOrFn.name ? `Task "${optionsOrFn.name}": ` : "";
    throw new InvalidTaskError(
      `${named}task(fn, ${typeof maybeFn}): the options go first, as in task({ maxAttempts: 3 }, fn)`,
    );
  }
  const [options, fn] = typeof optionsOrFn === "function" ? [{}, optionsOrFn] : [optionsOrFn, maybeFn];
  if (typeof fn !== "function") {
    throw new InvalidTaskError(`task(options, fn): fn must be a function, got ${typeof fn}`);
  }
  const label = options.name ?? (fn.name || "anonymous");
  checkKnownKeys(`Task "${label}"`, options, TASK_OPTION_KEYS);
  checkControls(label, options.unique, options.concurrency);
  if (options.args !== undefined && !isArgsSchema(options.args)) {
    throw new InvalidTaskError(
      `Task "${label}": args must be a Standard Schema (e.g. z.tuple([…]) from zod, valibot or arktype), got ${typeof options.args}`,
    );
  }
  const made = new Task(
    {
      fn,
      takesContext: options.takesContext ?? false,
      maxAttempts: options.maxAttempts ?? TASK_DEFAULTS.maxAttempts,
      backoff: options.backoff,
      argsSchema: options.args,
      concurrency: options.concurrency,
      explicitName: options.name,
      registeredName: undefined,
    },
    {
      priority: options.priority ?? TASK_DEFAULTS.priority,
      queueName: options.queueName ?? TASK_DEFAULTS.queueName,
      backend: options.backend ?? TASK_DEFAULTS.backend,
      runAfter: null,
      timeoutMs: options.timeoutMs ?? null,
      unique: options.unique,
    },
  );
  // Rules that need no config hold from the start; the rest are checked at registration.
  checkTaskSettings(made);
  return made;
}
