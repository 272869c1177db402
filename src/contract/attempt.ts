import { AsyncLocalStorage } from "node:async_hooks";
import type { TaskContext } from "../core/context.js";
import { TaskTimeout } from "../core/errors.js";
import { type JsonValue, jsonText, jsonViolation } from "../core/json.js";
import { type ResultSource, TaskError, type TaskErrorData, TaskResult, type TaskResultData } from "../core/result.js";
import { retryAt } from "../core/retry.js";
import { signals } from "../core/signals.js";
import type { AnyTask } from "../core/task.js";
import type { WorkerEvents } from "./events.js";
import { applyOutcome } from "./records.js";
import type { AttemptOutcome, LostAttempt } from "./worker-store.js";

/** An error recorded when a task's return value breaks the JSON rule. */
class InvalidReturnValue extends TypeError {
  override name = "InvalidReturnValue";
}

export const INTERRUPTED: TaskErrorData = {
  exceptionClass: "WorkerInterrupted",
  message: "The worker was force-stopped while this task ran (a second SIGINT/SIGTERM, or a second stop())",
  traceback:
    "WorkerInterrupted: the worker was force-stopped while this task ran (a second SIGINT/SIGTERM, or a second stop())",
};

export interface LifecycleOptions {
  /** The backend: the signals' sender, and where `context.taskResult.refresh()` reads from. */
  backend: ResultSource;
  /** The tasks this worker can run, by registered name. */
  tasks: ReadonlyMap<string, AnyTask>;
  workerId: string;
  /** Where the tasks were registered (the config file), named when a task is not found. */
  registry: string;
  events?: WorkerEvents;
}

/** One attempt in progress. */
export interface RunningAttempt {
  /** The RUNNING record the attempt started from. */
  readonly record: TaskResultData;
  readonly task: AnyTask | undefined;
  /** performance.now() at the start. */
  readonly startedAt: number;
  /** Settles exactly once, with the outcome and its retry decision. Never rejects. */
  readonly outcome: Promise<AttemptOutcome>;
  /** Forced stop: aborts context.signal and ends the attempt now as WorkerInterrupted (not retried). */
  interrupt(): void;
}

const NEVER_ABORTED = new AbortController().signal;

/** The error of an attempt that outran its timeout (also context.signal's abort reason). */
function timeoutError(taskName: string, timeoutMs: number): TaskErrorData {
  const error = new TaskTimeout(
    `Task "${taskName}" ran longer than its timeout of ${timeoutMs} ms; the attempt was ended and its late result will be ignored`,
  );
  return { exceptionClass: "TaskTimeout", message: error.message, traceback: `TaskTimeout: ${error.message}` };
}

/** A return value the store cannot keep: the attempt fails with InvalidReturnValue, saying why. */
function invalidReturn(task: AnyTask, rule: string): { status: "FAILED"; error: TaskErrorData } {
  return { status: "FAILED", error: TaskError.from(new InvalidReturnValue(`Task "${task.name}": ${rule}`)) };
}

/** What code running inside an attempt (even in its timers and callbacks) can reach. */
export interface AttemptScope {
  readonly recordId: string;
  /** Ends the attempt now as FAILED with this error (its later settlement is dropped). */
  fail(error: TaskErrorData): void;
}

// Follows an attempt through every callback it schedules, so a worker that owns its process can
// pin a stray exception, an unhandled rejection or a process.exit() on the attempt that caused it.
const scopes = new AsyncLocalStorage<AttemptScope>();

/** The attempt whose code is running right now, if any. */
export function currentAttempt(): AttemptScope | undefined {
  return scopes.getStore();
}

/**
 * The one attempt lifecycle, shared by the generic worker, the Redis runner and the immediate
 * backend: resolve the task (TaskNotFound, with an explanation), build the context, run the
 * function, hold its return value to the JSON rule, record an error, decide retry-or-fail with
 * its due time, end an interrupted attempt, keep the stats, send the signals. A backend only
 * stores what this decides.
 */
export class AttemptLifecycle {
  readonly stats = { succeeded: 0, failed: 0, retried: 0, dropped: 0 };
  readonly tasks: ReadonlyMap<string, AnyTask>;
  readonly workerId: string;
  readonly #options: LifecycleOptions;

  constructor(options: LifecycleOptions) {
    this.#options = options;
    this.tasks = options.tasks;
    this.workerId = options.workerId;
  }

  /**
   * Starts an attempt of a record this worker holds (RUNNING): events and signals, then the run.
   * `refusal`: the store cannot run it (its data is gone); it fails with that error for good.
   */
  start(record: TaskResultData, refusal?: TaskErrorData): RunningAttempt {
    const task = this.tasks.get(record.taskName);
    const abort = task?.takesContext ? new AbortController() : null;
    let settle: (outcome: AttemptOutcome) => void = () => {};
    let settled = false;
    const outcome = new Promise<AttemptOutcome>((resolve) => {
      settle = resolve;
    });
    let deadline: NodeJS.Timeout | undefined;
    const end = (fields: Omit<AttemptOutcome, "id" | "workerId" | "attempt" | "finishedAt">) => {
      if (settled) return; // a late settlement (after an interrupt or a timeout) is dropped
      settled = true;
      clearTimeout(deadline);
      const { id, workerIds } = record;
      settle({ id, workerId: this.workerId, attempt: workerIds.length, finishedAt: new Date(), ...fields });
    };
    const attempt: RunningAttempt = {
      record,
      task,
      startedAt: performance.now(),
      outcome,
      interrupt: () => {
        abort?.abort(new Error("worker interrupted"));
        end({ status: "FAILED", error: INTERRUPTED });
      },
    };
    this.#options.events?.taskStarted?.(record);
    if (signals.taskStarted.hasReceivers) {
      signals.taskStarted.send({
        sender: this.#options.backend,
        taskResult: new TaskResult(record, this.#options.backend),
      });
    }
    if (refusal || !task) {
      end({ status: "FAILED", error: refusal ?? this.#notFound(record.taskName) });
      return attempt;
    }
    const scope: AttemptScope = {
      recordId: record.id,
      fail: (error) => {
        abort?.abort(
          error.exceptionClass === "TaskTimeout" ? new TaskTimeout(error.message) : new Error(error.message),
        );
        end(this.#decide(task, record, { status: "FAILED", error }));
      },
    };
    // The deadline frees the slot whether or not the function listens to its signal. A
    // synchronous function that blocks the event loop cannot be stopped: the timer fires only
    // once it returns, and the elapsed time decides then (below).
    const timeoutMs = record.timeoutMs ?? task.timeoutMs;
    const timedOut = () => timeoutError(task.name, timeoutMs ?? 0);
    if (timeoutMs) {
      deadline = setTimeout(() => scope.fail(timedOut()), timeoutMs);
    }
    void scopes
      .run(scope, () => this.#run(task, record, abort?.signal ?? NEVER_ABORTED))
      .then((fields) => {
        const late =
          timeoutMs !== null && timeoutMs !== undefined && performance.now() - attempt.startedAt >= timeoutMs;
        end(this.#decide(task, record, late ? { status: "FAILED", error: timedOut() } : fields));
      });
    return attempt;
  }

  /**
   * The store recorded an attempt's end (or dropped it, `dropped` saying why): stats, the
   * taskFinished event, and the signal for recorded ends. Returns the record as it now stands.
   */
  finished(attempt: RunningAttempt, outcome: AttemptOutcome, dropped?: string): TaskResultData {
    const finished = applyOutcome(attempt.record, outcome);
    if (dropped) this.stats.dropped++;
    else if (finished.status === "SUCCEEDED") this.stats.succeeded++;
    else if (finished.status === "FAILED") this.stats.failed++;
    else this.stats.retried++;
    this.#options.events?.taskFinished?.(finished, performance.now() - attempt.startedAt, dropped);
    if (!dropped && signals.taskFinished.hasReceivers) {
      signals.taskFinished.send({
        sender: this.#options.backend,
        taskResult: new TaskResult(finished, this.#options.backend),
      });
    }
    return finished;
  }

  /**
   * Crash recovery's decision for a lost attempt, by the same rule as a failed one: when it may
   * run again (after its backoff), or null when it has no attempts left.
   */
  planRecovery(lost: LostAttempt): Date | null {
    const backoff = this.tasks.get(lost.taskName)?.backoff;
    return retryAt({ maxAttempts: lost.maxAttempts, backoff }, lost.attempts);
  }

  /** A failed attempt goes back to READY when attempts are left (never an interrupted one). */
  #decide(
    task: AnyTask,
    record: TaskResultData,
    fields: Pick<AttemptOutcome, "status" | "returnValue" | "returnJson" | "error">,
  ): Pick<AttemptOutcome, "status" | "returnValue" | "returnJson" | "error" | "retryAt"> {
    if (fields.status !== "FAILED") return fields;
    const at = retryAt({ maxAttempts: record.maxAttempts, backoff: task.backoff }, record.workerIds.length);
    return at ? { ...fields, retryAt: at } : fields;
  }

  async #run(
    task: AnyTask,
    record: TaskResultData,
    signal: AbortSignal,
  ): Promise<Pick<AttemptOutcome, "status" | "returnValue" | "returnJson" | "error">> {
    try {
      let value: unknown;
      // Called as a plain function, not as a method of the definition: V8 would name an
      // anonymous task function "Object.fn" in its stack, and that "fn" (ours, not the user's)
      // would label its failure group in `tasks errors`.
      const fn = task.definition.fn;
      if (task.takesContext) {
        const context: TaskContext = {
          taskResult: new TaskResult(structuredClone(record), this.#options.backend),
          attempt: record.workerIds.length,
          signal,
        };
        value = await fn(context, ...record.args);
      } else {
        value = await fn(...record.args);
      }
      // A function that returns nothing succeeds with null, as a Python task returning None does.
      if (value === undefined) value = null;
      const problem = jsonViolation(value, "return value");
      if (problem) return invalidReturn(task, `${problem}; a task must return a JSON value`);
      const json = jsonText(value, "return value");
      if ("violation" in json) {
        return invalidReturn(task, `${json.violation}; return something smaller (e.g. where the data was written)`);
      }
      return { status: "SUCCEEDED", returnValue: value as JsonValue, returnJson: json.text };
    } catch (error) {
      return { status: "FAILED", error: TaskError.from(error) };
    }
  }

  /** TaskNotFound, with a traceback that says which config the worker loaded and what it knows. */
  #notFound(name: string): TaskErrorData {
    const known = [...this.tasks.keys()].sort();
    const message = `Task "${name}" is not registered in this worker's config`;
    return {
      exceptionClass: "TaskNotFound",
      message,
      traceback: [
        `TaskNotFound: ${message}`,
        `  worker ${this.workerId} loaded ${this.#options.registry}`,
        `  it registers ${known.length} task(s): ${known.length ? known.join(", ") : "(none)"}`,
        `  the task was enqueued by code with another config, or with a task since renamed or removed:`,
        `  register "${name}" in defineConfig({ tasks }) and restart the workers, then \`tasks retry\` this result`,
      ].join("\n"),
    };
  }
}
