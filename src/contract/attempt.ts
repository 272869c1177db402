import type { AttemptOutcome } from "./backend.js";
import type { TaskContext } from "../core/context.js";
import { type JsonValue, jsonViolation } from "../core/json.js";
import { type ResultSource, TaskError, TaskResult, type TaskResultData } from "../core/result.js";
import type { AnyTask } from "../core/task.js";

/** An error recorded when a task's return value breaks the JSON rule. */
class InvalidReturnValue extends TypeError {
  override name = "InvalidReturnValue";
}

/**
 * Runs one attempt of a task whose record is RUNNING: builds the context, awaits the
 * function, checks the JSON rule on its return value and captures any error. Never throws.
 * Shared by the immediate backend and every worker.
 */
export async function runAttempt(
  task: AnyTask,
  record: TaskResultData,
  source: ResultSource,
  signal: AbortSignal,
): Promise<Omit<AttemptOutcome, "workerId">> {
  const finish = (fields: Partial<AttemptOutcome> & Pick<AttemptOutcome, "status">) => ({
    id: record.id,
    finishedAt: new Date(),
    ...fields,
  });
  try {
    const args = record.args;
    let value: unknown;
    if (task.takesContext) {
      const context: TaskContext = {
        taskResult: new TaskResult(structuredClone(record), source),
        attempt: record.workerIds.length,
        signal,
      };
      value = await task.definition.fn(context, ...args);
    } else {
      value = await task.definition.fn(...args);
    }
    // A function that returns nothing succeeds with null, as a Python task returning None does.
    if (value === undefined) value = null;
    const problem = jsonViolation(value, "return value");
    if (problem) {
      const error = new InvalidReturnValue(`Task "${task.name}": ${problem}; a task must return a JSON value`);
      return finish({ status: "FAILED", error: TaskError.from(error) });
    }
    return finish({ status: "SUCCEEDED", returnValue: value as JsonValue });
  } catch (error) {
    return finish({ status: "FAILED", error: TaskError.from(error) });
  }
}

/** The record as it looks after an outcome is applied (what the store writes). */
export function applyOutcome(record: TaskResultData, outcome: Omit<AttemptOutcome, "workerId">): TaskResultData {
  const next: TaskResultData = { ...record, errors: [...record.errors], workerIds: [...record.workerIds] };
  if (outcome.error) next.errors.push(outcome.error);
  if (outcome.status === "SUCCEEDED") {
    next.status = "SUCCEEDED";
    next.returnValue = outcome.returnValue ?? null;
    next.finishedAt = outcome.finishedAt;
  } else if (outcome.retryAt) {
    next.status = "READY";
    next.runAfter = outcome.retryAt;
  } else {
    next.status = "FAILED";
    next.finishedAt = outcome.finishedAt;
  }
  return next;
}
