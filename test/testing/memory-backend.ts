import {
  AttemptLifecycle,
  applyOutcome,
  Backend,
  type BackendInit,
  ConfigError,
  claimedRecord,
  type EnqueueRequest,
  type ManagementStore,
  MemoryUniqueHolds,
  readyRecord,
  type TaskResult,
  type TaskResultData,
  TaskResultDoesNotExist,
} from "tasklane";
import { MemoryManagement } from "./memory-management.js";

type AnyTask = Parameters<Backend["enqueueMany"]>[0];

/**
 * A custom backend written only against the public "tasklane" API, to prove `tasklane/testing`
 * on a backend tasklane does not ship. It keeps results in this process's memory, so `tasks
 * worker` (another process) cannot run it: tasks either wait, for code and operators to inspect
 * and cancel (management()), or, with `options: { runInCaller: true }`, run at once inside
 * enqueue through the same attempt lifecycle as every worker.
 */
export class MemoryBackend extends Backend {
  readonly kind = "memory";
  readonly supportsDefer: boolean;
  readonly supportsAsyncTask = true;
  // Memory is private to this process: no other process can read a result back.
  readonly supportsGetResult = false;
  readonly supportsPriority = true;
  /** Insertion order is enqueue order, which management's "newest first" relies on. */
  readonly #records = new Map<string, TaskResultData>();
  readonly #management = new MemoryManagement(this.#records);
  readonly #runInCaller: boolean;
  readonly #workerId = `memory-${process.pid}`;
  override readonly supportsUnique = true;
  readonly #holds = new MemoryUniqueHolds();

  constructor(init: BackendInit) {
    super(init);
    const { runInCaller = false, ...unknown } = init.options;
    const extra = Object.keys(unknown);
    if (extra.length) throw new ConfigError(`unknown option(s) ${extra.join(", ")}; expected runInCaller`);
    if (typeof runInCaller !== "boolean") throw new ConfigError("runInCaller must be true or false");
    this.#runInCaller = runInCaller;
    // A task run inside enqueue cannot wait for its runAfter.
    this.supportsDefer = !runInCaller;
  }

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const store = (request: EnqueueRequest) => {
      const record = readyRecord(this.alias, request);
      this.#records.set(record.id, record);
      // Callers get copies: nothing outside may change what is stored.
      return structuredClone(record);
    };
    // A unique task's key held by a stored result returns that result instead.
    return this.#holds.enqueue(requests, store, (id) => this.#records.get(id));
  }

  async getResultData(id: string): Promise<TaskResultData> {
    const record = this.#records.get(id);
    if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
    return structuredClone(record);
  }

  protected override async afterEnqueue(task: AnyTask, results: TaskResult[]): Promise<void> {
    if (!this.#runInCaller) return;
    const lifecycle = new AttemptLifecycle({
      backend: this,
      tasks: new Map([[task.name, task]]),
      workerId: this.#workerId,
      registry: "the enqueuing call (memory backend)",
    });
    for (const result of results) {
      let record = await this.getResultData(result.id);
      // Retries run back to back: sleeping the backoff would block the caller.
      while (record.status === "READY") {
        record = { ...claimedRecord(record, this.#workerId), runAfter: null };
        this.#records.set(record.id, record);
        const attempt = lifecycle.start(record);
        const outcome = await attempt.outcome;
        record = applyOutcome(record, outcome);
        this.#records.set(record.id, record);
        lifecycle.finished(attempt, outcome);
      }
      await result.refresh();
    }
  }

  override management(): ManagementStore {
    return this.#management;
  }

  override describeLocation(): string {
    return "in memory (this process)";
  }
}
