import { hostname } from "node:os";
import { TaskResultDoesNotExist } from "../core/errors.js";
import { applyOutcome, runAttempt } from "../contract/attempt.js";
import { REPLACE_DATA, TaskResult, type TaskResultData } from "../core/result.js";
import { retryAt } from "../core/retry.js";
import { signals } from "../core/signals.js";
import type { AnyTask } from "../core/task.js";
import { Backend, type EnqueueRequest } from "../contract/backend.js";
import { readyRecord } from "./dummy.js";

/**
 * Runs each task at once, in the caller, inside `enqueue` (Django's ImmediateBackend).
 * Retries (maxAttempts) run back to back in the same call: the backoff delay is not slept,
 * since blocking the caller for it would defeat the point of an immediate backend.
 */
export class ImmediateBackend extends Backend {
  readonly kind = "immediate";
  readonly supportsDefer = false;
  readonly supportsAsyncTask = true;
  readonly supportsGetResult = false;
  readonly supportsPriority = true;
  readonly workerId = `immediate-${hostname()}-${process.pid}`;
  // Results of this process only (supportsGetResult is false: other processes cannot see them).
  readonly #records = new Map<string, TaskResultData>();

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    return requests.map((r) => {
      const record = readyRecord(this.alias, r);
      this.#records.set(record.id, record);
      return structuredClone(record);
    });
  }

  protected override async afterEnqueue(task: AnyTask, results: TaskResult[]): Promise<void> {
    for (const result of results) {
      let record = result.toData();
      while (record.status === "READY") {
        const now = new Date();
        record = {
          ...record,
          status: "RUNNING",
          startedAt: record.startedAt ?? now,
          lastAttemptedAt: now,
          runAfter: null,
          workerIds: [...record.workerIds, this.workerId],
        };
        this.#records.set(record.id, record);
        signals.taskStarted.send({ sender: this, taskResult: new TaskResult(structuredClone(record), this) });
        const outcome = await runAttempt(task, record, this, new AbortController().signal);
        const retry = outcome.status === "FAILED" ? retryAt(task, record.workerIds.length) : null;
        record = applyOutcome(record, retry ? { ...outcome, retryAt: retry } : outcome);
        this.#records.set(record.id, record);
      }
      signals.taskFinished.send({ sender: this, taskResult: new TaskResult(structuredClone(record), this) });
      result[REPLACE_DATA](structuredClone(record));
    }
  }

  async getResultData(id: string): Promise<TaskResultData> {
    const record = this.#records.get(id);
    if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
    return structuredClone(record);
  }

  override describeLocation(): string {
    return "in process";
  }
}
