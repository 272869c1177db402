import { Backend } from "../contract/backend.js";
import type { BackendKind } from "../contract/kind.js";
import { readyRecord } from "../contract/records.js";
import { MemoryUniqueHolds } from "../contract/unique-holds.js";
import type { EnqueueRequest } from "../core/environment.js";
import { TaskResultDoesNotExist } from "../core/errors.js";
import { TaskResult, type TaskResultData } from "../core/result.js";
import { object } from "../core/shape.js";
import type { AnyTask } from "../core/task.js";

export const dummyKind: BackendKind = {
  capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: false, supportsPriority: true },
  runsWorker: false,
  options: object({}),
  pathKeys: [],
  secretKeys: [],
};

/** Keeps enqueued tasks in memory and never runs them: for tests of code that enqueues. */
export class DummyBackend extends Backend {
  readonly kind = "dummy";
  readonly supportsDefer = dummyKind.capabilities.supportsDefer;
  readonly supportsAsyncTask = dummyKind.capabilities.supportsAsyncTask;
  readonly supportsGetResult = dummyKind.capabilities.supportsGetResult;
  readonly supportsPriority = dummyKind.capabilities.supportsPriority;
  override readonly supportsUnique = true;
  readonly #records: TaskResultData[] = [];
  // Results stay READY here, so a unique key stays held until clear() (or its period ends).
  readonly #holds = new MemoryUniqueHolds();

  /** Copies of every result enqueued so far, oldest first. */
  get results(): TaskResult[] {
    return this.#records.map((r) => new TaskResult(structuredClone(r), this));
  }

  /** Forgets every stored result. */
  clear(): void {
    this.#records.length = 0;
    this.#holds.clear();
  }

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const store = (request: EnqueueRequest) => {
      const record = readyRecord(this.alias, request);
      this.#records.push(record);
      return structuredClone(record);
    };
    return this.#holds.enqueue(requests, store, (id) => this.#records.find((r) => r.id === id));
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
