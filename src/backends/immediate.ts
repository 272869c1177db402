import { hostname } from "node:os";
import { AttemptLifecycle } from "../contract/attempt.js";
import { Backend } from "../contract/backend.js";
import type { BackendKind } from "../contract/kind.js";
import { applyOutcome, claimedRecord, readyRecord } from "../contract/records.js";
import { MemoryUniqueHolds } from "../contract/unique-holds.js";
import type { EnqueueRequest } from "../core/environment.js";
import { TaskResultDoesNotExist } from "../core/errors.js";
import { REPLACE_DATA, type TaskResult, type TaskResultData } from "../core/result.js";
import { object } from "../core/shape.js";
import type { AnyTask } from "../core/task.js";

export const immediateKind: BackendKind = {
  capabilities: { supportsDefer: false, supportsAsyncTask: true, supportsGetResult: false, supportsPriority: true },
  runsWorker: false,
  options: object({}),
  pathKeys: [],
  secretKeys: [],
};

/**
 * Runs each task at once, in the caller, inside `enqueue` (Django's ImmediateBackend), through
 * the same attempt lifecycle as every worker. Retries (maxAttempts) run back to back in the same
 * call: the backoff delay is not slept, since blocking the caller for it would defeat the point
 * of an immediate backend.
 */
export class ImmediateBackend extends Backend {
  readonly kind = "immediate";
  readonly supportsDefer = immediateKind.capabilities.supportsDefer;
  readonly supportsAsyncTask = immediateKind.capabilities.supportsAsyncTask;
  readonly supportsGetResult = immediateKind.capabilities.supportsGetResult;
  readonly supportsPriority = immediateKind.capabilities.supportsPriority;
  override readonly supportsUnique = true;
  readonly workerId = `immediate-${hostname()}-${process.pid}`;
  // Results of this process only (supportsGetResult is false: other processes cannot see them).
  readonly #records = new Map<string, TaskResultData>();
  // A task runs inside its enqueue, so a key is held across that run ("active"), or for its
  // period: an enqueue during an async task's run returns that run's result.
  readonly #holds = new MemoryUniqueHolds();

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const store = (request: EnqueueRequest) => {
      const record = readyRecord(this.alias, request);
      this.#records.set(record.id, record);
      return structuredClone(record);
    };
    return this.#holds.enqueue(requests, store, (id) => this.#records.get(id));
  }

  override async enqueueMany(task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResult[]> {
    const results = await super.enqueueMany(task, requests);
    // A call deduplicated onto one that ran earlier in this same batch shows how that run ended.
    for (const result of results) {
      const record = result.deduplicated ? this.#records.get(result.id) : undefined;
      if (record) result[REPLACE_DATA]({ ...structuredClone(record), deduplicated: true });
    }
    return results;
  }

  protected override async afterEnqueue(task: AnyTask, results: TaskResult[]): Promise<void> {
    const lifecycle = new AttemptLifecycle({
      backend: this,
      tasks: new Map([[task.name, task]]),
      workerId: this.workerId,
      registry: "the enqueuing call (immediate backend)",
    });
    for (const result of results) {
      let record = result.toData();
      while (record.status === "READY") {
        record = { ...claimedRecord(record, this.workerId), runAfter: null };
        this.#records.set(record.id, record);
        const attempt = lifecycle.start(record);
        const outcome = await attempt.outcome;
        record = applyOutcome(record, outcome);
        this.#records.set(record.id, record);
        if (record.status !== "READY") lifecycle.finished(attempt, outcome);
      }
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
