import type {
  ErrorGroup,
  IdOutcome,
  ListOptions,
  ManagementStore,
  PruneOptions,
  QueueCounts,
  ResultFilter,
  ResultPage,
  StatusCounts,
  TaskResultData,
  WorkerInfo,
} from "tasklane";

type Status = TaskResultData["status"];

const zeroCounts = (): StatusCounts => ({ READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 });

const matches = (r: TaskResultData, f: ResultFilter): boolean =>
  (!f.statuses?.length || f.statuses.includes(r.status)) &&
  (!f.taskNames?.length || f.taskNames.includes(r.taskName)) &&
  (!f.queues?.length || f.queues.includes(r.queueName)) &&
  (!f.since || r.enqueuedAt >= f.since);

/** Why an id cannot change, worded as the built-in backends word it. */
function refused(id: string, status: Status | undefined, rule: string): IdOutcome {
  return status
    ? { id, ok: false, status, reason: `is ${status}; ${rule}` }
    : { id, ok: false, reason: "no such result" };
}

/**
 * ManagementStore over the memory backend's map of records (insertion order = enqueue order).
 * Every operation is a scan: fine for a test backend, where a real one would keep indexes.
 */
export class MemoryManagement implements ManagementStore {
  constructor(private readonly records: Map<string, TaskResultData>) {}

  #newestFirst(filter: ResultFilter = {}): TaskResultData[] {
    return [...this.records.values()].reverse().filter((r) => matches(r, filter));
  }

  async listResults(options: ListOptions): Promise<ResultPage> {
    const all = this.#newestFirst(options);
    // The cursor is the id of the last result already shown.
    const start = options.cursor ? all.findIndex((r) => r.id === options.cursor) + 1 : 0;
    const results = all.slice(start, start + options.limit).map((r) => structuredClone(r));
    const more = start + options.limit < all.length;
    return { results, nextCursor: more ? (results.at(-1)?.id ?? null) : null };
  }

  async countByStatus(filter: ResultFilter = {}): Promise<StatusCounts> {
    const counts = zeroCounts();
    for (const r of this.#newestFirst(filter)) counts[r.status]++;
    return counts;
  }

  async countByQueue(): Promise<QueueCounts[]> {
    const byQueue = new Map<string, QueueCounts>();
    for (const r of this.records.values()) {
      const q = byQueue.get(r.queueName) ?? { queueName: r.queueName, counts: zeroCounts(), oldestReadyAt: null };
      byQueue.set(r.queueName, q);
      q.counts[r.status]++;
      if (r.status === "READY" && (!q.oldestReadyAt || r.enqueuedAt < q.oldestReadyAt)) q.oldestReadyAt = r.enqueuedAt;
    }
    return [...byQueue.values()].sort((a, b) => a.queueName.localeCompare(b.queueName));
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<TaskResultData[]> {
    return this.#byId((id) => id.startsWith(prefix), limit);
  }

  async findByIdFragment(fragment: string, limit: number): Promise<TaskResultData[]> {
    return this.#byId((id) => id.startsWith(fragment) || id.endsWith(fragment), limit);
  }

  #byId(test: (id: string) => boolean, limit: number): TaskResultData[] {
    const found = [...this.records.values()].filter((r) => test(r.id));
    return found
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async errorGroups(filter: ResultFilter): Promise<ErrorGroup[]> {
    const groups = new Map<string, ErrorGroup>();
    // Oldest first, so the last one seen of a group is its sample.
    for (const r of this.#newestFirst({ ...filter, statuses: ["FAILED"] }).reverse()) {
      const error = r.errors.at(-1);
      const at = r.finishedAt ?? r.enqueuedAt;
      if (!error) continue;
      const key = `${r.taskName}\0${error.exceptionClass}`;
      const group = groups.get(key);
      groups.set(key, {
        taskName: r.taskName,
        exceptionClass: error.exceptionClass,
        count: (group?.count ?? 0) + 1,
        firstSeen: group?.firstSeen ?? at,
        lastSeen: at,
        lastMessage: error.message,
        sampleTraceback: error.traceback,
        sampleId: r.id,
      });
    }
    return [...groups.values()].sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
  }

  #prunable(o: PruneOptions): TaskResultData[] {
    return [...this.records.values()].filter((r) => {
      if (!matches(r, { queues: o.queues, taskNames: o.taskNames }) || !r.finishedAt) return false;
      if (r.status === "FAILED") return r.finishedAt < o.failedFinishedBefore;
      return (r.status === "SUCCEEDED" || r.status === "CANCELLED") && r.finishedAt < o.finishedBefore;
    });
  }

  async countPrunable(options: PruneOptions): Promise<number> {
    return this.#prunable(options).length;
  }

  async prune(options: PruneOptions): Promise<number> {
    const doomed = this.#prunable(options);
    const batch = Math.max(1, options.batchSize ?? 1000);
    for (let done = 0; done < doomed.length; ) {
      for (const r of doomed.slice(done, done + batch)) this.records.delete(r.id);
      done = Math.min(done + batch, doomed.length);
      options.onProgress?.(done, doomed.length);
    }
    return doomed.length;
  }

  async retry(ids: string[]): Promise<IdOutcome[]> {
    return ids.map((id) => {
      const r = this.records.get(id);
      if (r?.status !== "FAILED") return refused(id, r?.status, "only FAILED results can be retried");
      // Errors and attempts stay: the next run is one more attempt of the same result.
      this.records.set(id, { ...r, status: "READY", runAfter: null, finishedAt: null });
      return { id, ok: true, status: "FAILED" };
    });
  }

  async retryFailed(filter: ResultFilter): Promise<string[]> {
    const ids = this.#newestFirst({ ...filter, statuses: ["FAILED"] }).map((r) => r.id);
    await this.retry(ids);
    return ids;
  }

  async cancel(ids: string[]): Promise<IdOutcome[]> {
    return ids.map((id) => {
      const r = this.records.get(id);
      if (r?.status !== "READY") return refused(id, r?.status, "only READY results can be cancelled");
      this.records.set(id, { ...r, status: "CANCELLED", finishedAt: new Date() });
      return { id, ok: true, status: "READY" };
    });
  }

  async workers(): Promise<WorkerInfo[]> {
    // No worker process can run a store that lives in this process's memory.
    return [];
  }

  async throughput(minutes: number): Promise<number[]> {
    const n = Math.max(0, Math.floor(minutes));
    const from = Date.now() - n * 60_000;
    const buckets = new Array<number>(n).fill(0);
    for (const r of this.records.values()) {
      const at = r.finishedAt?.getTime();
      if (at === undefined || r.status === "READY" || r.status === "RUNNING" || at < from) continue;
      const i = Math.floor((at - from) / 60_000);
      if (i < n) buckets[i] = (buckets[i] ?? 0) + 1;
    }
    return buckets;
  }
}
