import { isNativeError } from "node:util/types";
import { ResultNotReady, TasklaneError } from "./errors.js";
import { firstUserFrame } from "./frames.js";
import type { JsonValue } from "./json.js";
import { type ChangeFeed, type WaitOptions, waitUntilFinished } from "./wait.js";

/** Lifecycle of a result. String values equal their names so they read well in JSON and SQL. */
export const TaskResultStatus = {
  READY: "READY",
  RUNNING: "RUNNING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  CANCELLED: "CANCELLED",
} as const;
export type TaskResultStatus = (typeof TaskResultStatus)[keyof typeof TaskResultStatus];

export const ALL_STATUSES: readonly TaskResultStatus[] = Object.values(TaskResultStatus);
export const FINISHED_STATUSES: readonly TaskResultStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];

/** One failed attempt. */
export interface TaskErrorData {
  exceptionClass: string;
  message: string;
  traceback: string;
  /** The first frame of the traceback in the user's own code ("jobs.ts:12 sendEmail"), when there is one. */
  frame?: string;
}

export class TaskError implements TaskErrorData {
  readonly exceptionClass: string;
  readonly message: string;
  readonly traceback: string;
  readonly frame: string | undefined;
  constructor(data: TaskErrorData) {
    this.exceptionClass = data.exceptionClass;
    this.message = data.message;
    this.traceback = data.traceback;
    this.frame = data.frame;
  }

  /**
   * Captures a thrown value (an Error or anything else) as a TaskError. Never throws: a value
   * whose own reads throw (a `message` getter, a Proxy, a `toString` that throws) is recorded
   * with what could be read, since an exception escaping here would take the worker down and
   * leave its running tasks to lease recovery.
   */
  static from(error: unknown): TaskError {
    try {
      // isNativeError: an Error from another realm (a vm context, some test runners) is not
      // `instanceof Error` here, yet has its class, message and stack like any other.
      if (error instanceof Error || isNativeError(error)) return fromError(error);
      const message = safeString(error);
      const exceptionClass = error === null ? "null" : typeof error; // not "object" for a thrown null
      return new TaskError({ exceptionClass, message, traceback: `thrown value: ${message}` });
    } catch (readError) {
      const message = `the thrown value could not be read (${unreadable(readError)})`;
      return new TaskError({ exceptionClass: typeof error, message, traceback: message });
    }
  }
}

/**
 * The error's class as `tasks errors` groups it: its `name`, except that a subclass which left
 * `name` as Error's own ("Error") is named by its constructor (`class PaymentDeclined extends
 * Error {}` is "PaymentDeclined", not "Error").
 */
function classOf(error: Error): string {
  const name = error.name;
  const constructorName = error.constructor?.name;
  if (name === "Error" && constructorName && constructorName !== "Error") return constructorName;
  return name || constructorName || "Error";
}

/** How many causes (`new Error(msg, { cause })`) a traceback follows: a cycle must end. */
const CAUSES_SHOWN = 5;

/** The stacks of an error's causes, each under "Caused by:", as Python prints a chain. */
function causeChain(error: Error): string {
  let text = "";
  let cause = readOr<unknown>(() => error.cause, undefined);
  for (let depth = 0; cause !== undefined && depth < CAUSES_SHOWN; depth++) {
    const current = cause;
    // instanceof can throw (a Proxy): read with care, as every part of a thrown value is.
    const asError = readOr(() => (current instanceof Error || isNativeError(current) ? current : null), null);
    const described = readOr(
      () => (asError ? (asError.stack ?? `${asError.name}: ${asError.message}`) : safeString(current)),
      (e) => `the cause could not be read (${unreadable(e)})`,
    );
    text += `\nCaused by: ${described}`;
    cause = asError ? readOr<unknown>(() => asError.cause, undefined) : undefined;
  }
  return text;
}

function fromError(error: Error): TaskError {
  const exceptionClass = readOr(() => classOf(error), "Error");
  const message = readOr(
    () => String(error.message),
    (e) => `its message could not be read (${unreadable(e)})`,
  );
  // Reading `stack` formats it on first read, which reads `message` again.
  const stack = readOr<string | undefined>(() => error.stack, undefined);
  const frame = firstUserFrame(stack);
  return new TaskError({
    exceptionClass,
    message,
    traceback: (stack ?? `${exceptionClass}: ${message}`) + causeChain(error),
    ...(frame ? { frame } : {}),
  });
}

function readOr<T>(read: () => T, fallback: T | ((error: unknown) => T)): T {
  try {
    return read();
  } catch (error) {
    return typeof fallback === "function" ? (fallback as (error: unknown) => T)(error) : fallback;
  }
}

/** What the error a read threw says, itself read with care (it may be as hostile). */
function unreadable(error: unknown): string {
  return readOr(() => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)), "unknown");
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** The plain record every backend stores and returns; TaskResult wraps it. */
export interface TaskResultData {
  id: string;
  taskName: string;
  status: TaskResultStatus;
  args: JsonValue[];
  backend: string;
  queueName: string;
  priority: number;
  runAfter: Date | null;
  enqueuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastAttemptedAt: Date | null;
  workerIds: string[];
  errors: TaskErrorData[];
  /** Present only when SUCCEEDED. */
  returnValue?: JsonValue;
  /** Runs allowed before the result stays FAILED (task option maxAttempts). */
  maxAttempts: number;
  /** The attempt deadline the worker applies, in ms (absent or null: none). */
  timeoutMs?: number | null;
  /** Set only on the result an enqueue of a unique task returned instead of storing a second one. */
  deduplicated?: boolean;
  /** A unique task's key (absent or null: not unique). */
  uniqueKey?: string | null;
  /** The per-key concurrency limit's key (absent or null: none). */
  concurrencyKey?: string | null;
  /** The schedule this result is a tick of (absent or null: enqueued by code or the CLI). */
  schedule?: string | null;
}

/** Anything that can re-read a result by id: a backend (Core knows it only by this shape). */
export interface ResultSource {
  readonly alias: string;
  getResultData(id: string): Promise<TaskResultData>;
  /** Word that results may have changed, for wait() (optional: without it, wait() re-reads on a timer). */
  changes?(): ChangeFeed;
}

/** Lets a backend update a result it handed out (the immediate backend, after running it). */
export const REPLACE_DATA = Symbol("tasklane.replaceData");

/** The state of one enqueued task, as last read from its backend. */
export class TaskResult<R = unknown> {
  #data: TaskResultData;
  readonly #source: ResultSource | undefined;

  constructor(data: TaskResultData, source?: ResultSource) {
    this.#data = data;
    this.#source = source;
  }

  get id(): string {
    return this.#data.id;
  }
  get taskName(): string {
    return this.#data.taskName;
  }
  get status(): TaskResultStatus {
    return this.#data.status;
  }
  get args(): JsonValue[] {
    return this.#data.args;
  }
  get backend(): string {
    return this.#data.backend;
  }
  get queueName(): string {
    return this.#data.queueName;
  }
  get priority(): number {
    return this.#data.priority;
  }
  get runAfter(): Date | null {
    return this.#data.runAfter;
  }
  get enqueuedAt(): Date {
    return this.#data.enqueuedAt;
  }
  get startedAt(): Date | null {
    return this.#data.startedAt;
  }
  get finishedAt(): Date | null {
    return this.#data.finishedAt;
  }
  get lastAttemptedAt(): Date | null {
    return this.#data.lastAttemptedAt;
  }
  get workerIds(): string[] {
    return this.#data.workerIds;
  }
  /** How many times a worker has started this task (a crash-recovered run counts). */
  get attempts(): number {
    return this.#data.workerIds.length;
  }
  get maxAttempts(): number {
    return this.#data.maxAttempts;
  }
  /** The attempt deadline in ms, or null for none. */
  get timeoutMs(): number | null {
    return this.#data.timeoutMs ?? null;
  }
  get uniqueKey(): string | null {
    return this.#data.uniqueKey ?? null;
  }
  get concurrencyKey(): string | null {
    return this.#data.concurrencyKey ?? null;
  }
  /** The schedule this result is a tick of, or null. */
  get schedule(): string | null {
    return this.#data.schedule ?? null;
  }
  /** True when this enqueue found a unique task already held and returned it instead of storing another. */
  get deduplicated(): boolean {
    return this.#data.deduplicated === true;
  }
  get errors(): TaskError[] {
    return this.#data.errors.map((e) => new TaskError(e));
  }
  get isFinished(): boolean {
    return FINISHED_STATUSES.includes(this.#data.status);
  }

  /** The task's return value; throws unless the task SUCCEEDED. */
  get returnValue(): R {
    if (this.#data.status === "SUCCEEDED") return this.#data.returnValue as R;
    if (this.#data.status === "FAILED") throw new ResultNotReady("Task failed");
    if (this.#data.status === "CANCELLED") throw new ResultNotReady("Task was cancelled");
    throw new ResultNotReady("Task has not finished yet");
  }

  /**
   * Re-reads this result from its backend, as django-tasks does on every backend that can look a
   * result up: from any process on sqlite and redis, from the enqueueing process on dummy and
   * immediate (supportsGetResult says which).
   */
  async refresh(): Promise<void> {
    if (!this.#source) {
      throw new TasklaneError(`Result ${this.#data.id} was not read from a backend, so it cannot be re-read`);
    }
    const deduplicated = this.#data.deduplicated;
    this.#data = await this.#source.getResultData(this.#data.id);
    // That flag says what this enqueue did, which a re-read does not change.
    if (deduplicated) this.#data.deduplicated = true;
  }

  /**
   * Waits until the task has finished (SUCCEEDED, FAILED or CANCELLED), re-reading it as refresh()
   * does, and returns this result. Rejects with WaitTimeout after `timeoutMs` (default 30 s), or
   * with the signal's reason when it aborts. On SQLite a worker's commit wakes it (the WAL
   * watcher); elsewhere it re-reads after 5 ms, then less often, up to every 250 ms.
   */
  async wait(options: WaitOptions = {}): Promise<this> {
    await waitUntilFinished(this, () => this.#source?.changes?.(), options);
    return this;
  }

  [REPLACE_DATA](data: TaskResultData): void {
    this.#data = data;
  }

  /** A copy of the underlying record (for backends and the CLI). */
  toData(): TaskResultData {
    return structuredClone(this.#data);
  }

  /** The `--json` shape: API field names, dates as ISO strings, returnValue only when SUCCEEDED. */
  toJSON(): Record<string, unknown> {
    const d = this.#data;
    const iso = (v: Date | null) => (v ? v.toISOString() : null);
    const out: Record<string, unknown> = {
      id: d.id,
      taskName: d.taskName,
      status: d.status,
      args: d.args,
      backend: d.backend,
      queueName: d.queueName,
      priority: d.priority,
      runAfter: iso(d.runAfter),
      enqueuedAt: iso(d.enqueuedAt),
      startedAt: iso(d.startedAt),
      finishedAt: iso(d.finishedAt),
      lastAttemptedAt: iso(d.lastAttemptedAt),
      attempts: d.workerIds.length,
      maxAttempts: d.maxAttempts,
      timeoutMs: d.timeoutMs ?? null,
      uniqueKey: d.uniqueKey ?? null,
      concurrencyKey: d.concurrencyKey ?? null,
      schedule: d.schedule ?? null,
      workerIds: d.workerIds,
      errors: d.errors,
      isFinished: this.isFinished,
    };
    if (d.status === "SUCCEEDED") out.returnValue = d.returnValue ?? null;
    if (d.deduplicated) out.deduplicated = true;
    return out;
  }
}
