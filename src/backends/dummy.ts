import { TaskResultDoesNotExist } from "../core/errors.js";
import { newResultId } from "../core/ids.js";
import { TaskResult, type TaskResultData } from "../core/result.js";
import type { AnyTask } from "../core/task.js";
import { Backend, type EnqueueRequest } from "../contract/backend.js";

/** Builds the READY record of a new task. */
export function readyRecord(alias: string, request: EnqueueRequest, now = new Date()): TaskResultData {
  return {
    id: newResultId(),
    taskName: request.taskName,
    status: "READY",
    args: request.args,
    backend: alias,
    queueName: request.queueName,
    priority: request.priority,
    runAfter: request.runAfter,
    enqueuedAt: now,
    startedAt: null,
    finishedAt: null,
    lastAttemptedAt: null,
    workerIds: [],
    errors: [],
    maxAttempts: request.maxAttempts,
  };
}

/** Keeps enqueued tasks in memory and never runs them: for tests of code that enqueues. */
export class DummyBackend extends Backend {
  readonly kind = "dummy";
  readonly supportsDefer = true;
  readonly supportsAsyncTask = true;
  readonly supportsGetResult = false;
  readonly supportsPriority = true;
  readonly #records: TaskResultData[] = [];

  /** Copies of every result enqueued so far, oldest first. */
  get results(): TaskResult[] {
    return this.#records.map((r) => new TaskResult(structuredClone(r), this));
  }

  /** Forgets every stored result. */
  clear(): void {
    this.#records.length = 0;
  }

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const records = requests.map((r) => readyRecord(this.alias, r));
    this.#records.push(...records);
    return records.map((r) => structuredClone(r));
  }

  async getResultData(id: string): Promise<TaskResultData> {
    const record = this.#records.find((r) => r.id === id);
    if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
    return structuredClone(record);
  }

  override describeLocation(): string {
    return "in memory";
  }
}
