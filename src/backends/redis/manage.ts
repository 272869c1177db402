import type { Diagnosis } from "../../contract/diagnosis.js";
import {
  type ErrorGroup,
  type FailureGroup,
  type IdOutcome,
  type ListOptions,
  type ManagementStore,
  type PruneOptions,
  type QueueCounts,
  type ResultFilter,
  type ResultPage,
  type RetryOptions,
  type StatusCounts,
  type WorkerInfo,
  zeroCounts,
} from "../../contract/management.js";
import type { QueueState } from "../../contract/queue-controls.js";
import { UsageError } from "../../core/errors.js";
import { ALL_STATUSES, type TaskResultData } from "../../core/result.js";
import { pauseQueues, queueStates, resumeQueues } from "./controls.js";
import { diagnose } from "./diagnose.js";
import { failureGroupIds, failureGroups } from "./failure-groups.js";
import type { RedisHost } from "./host.js";
import { indexByPrefix, indexPage, isCanonicalId, membersEndingWith } from "./id-index.js";
import { recordsOf } from "./jobs.js";
import { cancelIds, prunableSets, pruneSets, retryIds } from "./manage-write.js";
import { parseMember, usedQueues } from "./own-keys.js";
import { countByQueue } from "./queue-counts.js";
import { finishedPerMinute } from "./raw.js";
import { listWorkers } from "./registry.js";
import { allows, CHUNK, failedRecords, idBoundFor, matches, walkWaiting } from "./scan.js";

/**
 * The operator's view of a Redis backend, through BullMQ's getters (counts, jobs, states) and
 * tasklane's own index. Cost on Redis, honestly:
 * - O(1)/O(log n) per call: unfiltered counts (BullMQ's per-state sets), id prefix lookup,
 *   an unfiltered page of results, throughput, workers.
 * - O(results walked): listResults and countByStatus with task/status filters, and the id
 *   suffix search, walk the id index (newest first) reading jobs 500 at a time; `since`
 *   bounds the walk (ids are UUIDv7, so the index is in enqueue order).
 * - O(finished jobs of the kind): errorGroups and retryFailed read every FAILED job, prune
 *   reads the finished jobs it deletes.
 * - O(waiting jobs): listings by waiting state ("scheduled" reads the delayed set, "retrying"
 *   every READY set) and failure groups (every FAILED job and every READY one).
 */
export class RedisManagement implements ManagementStore {
  constructor(readonly host: RedisHost) {}

  /** Configured queues and every queue that ever had a task. */
  async queues(): Promise<string[]> {
    const used = await usedQueues(await this.host.client(), this.host.keys);
    return [...new Set([...this.host.queues, ...used])].sort();
  }

  /**
   * Walks the results newest first (below `before`, at or after `since`), yielding records: the
   * id index, or for a waiting state only BullMQ's READY sets (see scan.ts).
   */
  async *walk(filter: ResultFilter, before?: string): AsyncGenerator<TaskResultData[]> {
    const { waiting } = filter;
    if (waiting) {
      if (allows(filter.statuses, "READY"))
        yield* walkWaiting(this.host, await this.queues(), { ...filter, waiting }, before);
      return;
    }
    const client = await this.host.client();
    let hi = before === undefined ? "+" : `(${before}`;
    const lo = filter.since ? `[${idBoundFor(filter.since.getTime())}` : "-";
    for (;;) {
      const members = await indexPage(client, this.host.keys, "desc", { hi, lo }, CHUNK);
      if (members.length === 0) return;
      hi = `(${members[members.length - 1]}`;
      const wanted = members.map(parseMember).filter((ref) => allows(filter.queues, ref.queueName));
      const records = (await recordsOf(this.host, wanted)).filter((r) => matches(r, filter));
      if (records.length > 0) yield records;
      if (members.length < CHUNK) return;
    }
  }

  listResults(options: ListOptions): Promise<ResultPage> {
    return this.host.use(async () => {
      const limit = Math.floor(options.limit);
      if (!(limit >= 1)) throw new UsageError(`limit must be a positive integer, got ${options.limit}`);
      const before = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      const found: TaskResultData[] = [];
      for await (const records of this.walk(options, before)) {
        found.push(...records);
        if (found.length > limit) break;
      }
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      return { results: page, nextCursor: found.length > limit && last ? encodeCursor(last.id) : null };
    });
  }

  countByStatus(filter: ResultFilter = {}): Promise<StatusCounts> {
    return this.host.use(async () => {
      const counts = zeroCounts();
      if ((filter.taskNames?.length ?? 0) > 0 || filter.since || filter.waiting) {
        for await (const records of this.walk(filter)) for (const r of records) counts[r.status]++;
        return counts;
      }
      for (const q of await this.countByQueue()) {
        if (!allows(filter.queues, q.queueName)) continue;
        for (const status of ALL_STATUSES) if (allows(filter.statuses, status)) counts[status] += q.counts[status];
      }
      return counts;
    });
  }

  /** Per-queue counts, paused flags and ages (see queue-counts.ts). */
  countByQueue(): Promise<QueueCounts[]> {
    return this.host.use(async () => countByQueue(this.host, await this.queues()));
  }

  findByIdPrefix(prefix: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || prefix === "" || prefix.includes(" ")) return Promise.resolve([]);
    return this.host.use(async () => {
      const client = await this.host.client();
      const members = await indexByPrefix(client, this.host.keys, prefix, limit);
      return recordsOf(this.host, members.map(parseMember));
    });
  }

  findByIdFragment(fragment: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || fragment === "" || fragment.includes(" ")) return Promise.resolve([]);
    return this.host.use(async () => {
      const found = await this.findByIdPrefix(fragment, limit);
      // A whole id is looked up, not searched for: the walk below reads the whole index (O(n)).
      if (found.length >= limit || isCanonicalId(fragment)) return found;
      const client = await this.host.client();
      const seen = new Set(found.map((r) => r.id));
      const members = await membersEndingWith(client, this.host.keys, fragment, limit - found.length, seen);
      return [...found, ...(await recordsOf(this.host, members.map(parseMember)))];
    });
  }

  errorGroups(filter: ResultFilter): Promise<ErrorGroup[]> {
    if (!allows(filter.statuses, "FAILED")) return Promise.resolve([]);
    return this.host.use(async () => {
      const groups = new Map<string, ErrorGroup>();
      for await (const records of this.failed(filter)) {
        for (const r of records) addToGroups(groups, r);
      }
      return [...groups.values()].sort(
        (a, b) =>
          b.lastSeen.getTime() - a.lastSeen.getTime() ||
          a.taskName.localeCompare(b.taskName) ||
          a.exceptionClass.localeCompare(b.exceptionClass),
      );
    });
  }

  /** Every FAILED record matching the filter (O(failed)). */
  async *failed(filter: ResultFilter): AsyncGenerator<TaskResultData[]> {
    yield* failedRecords(this.host, await this.queues(), filter);
  }

  failureGroups(filter: ResultFilter): Promise<FailureGroup[]> {
    return this.host.use(async () => failureGroups(this.host, await this.queues(), filter));
  }

  failureGroupIds(groupId: string, status: "FAILED" | "READY", filter: ResultFilter): Promise<string[]> {
    return this.host.use(async () => failureGroupIds(this.host, await this.queues(), groupId, status, filter));
  }

  countPrunable(options: PruneOptions): Promise<number> {
    return this.host.use(async () =>
      (await prunableSets(this.host, await this.queues(), options)).reduce((n, set) => n + set.ids.length, 0),
    );
  }

  prune(options: PruneOptions): Promise<number> {
    return this.host.use(async () =>
      pruneSets(this.host, await prunableSets(this.host, await this.queues(), options), options),
    );
  }

  retry(ids: string[], options?: RetryOptions): Promise<IdOutcome[]> {
    return this.host.use(() => retryIds(this.host, ids, options));
  }

  retryFailed(filter: ResultFilter, options?: RetryOptions): Promise<string[]> {
    if (!allows(filter.statuses, "FAILED")) return Promise.resolve([]);
    return this.host.use(async () => {
      const ids: string[] = [];
      for await (const records of this.failed(filter)) ids.push(...records.map((r) => r.id));
      return (await retryIds(this.host, ids, options)).filter((o) => o.ok).map((o) => o.id);
    });
  }

  cancel(ids: string[]): Promise<IdOutcome[]> {
    return this.host.use(() => cancelIds(this.host, ids));
  }

  workers(): Promise<WorkerInfo[]> {
    return this.host.use(async () => listWorkers(await this.host.client(), this.host.keys.workers));
  }

  throughput(minutes: number): Promise<number[]> {
    const n = Math.floor(minutes);
    if (!(n >= 1)) return Promise.resolve([]);
    return this.host.use(async () => {
      const { prefix } = this.host.settings;
      const from = Date.now() - n * 60_000;
      return finishedPerMinute(await this.host.client(), prefix, this.host.keys, await this.queues(), from, n);
    });
  }

  pause(queues: string[]): Promise<void> {
    return this.host.use(() => pauseQueues(this.host, queues));
  }

  resume(queues: string[]): Promise<void> {
    return this.host.use(() => resumeQueues(this.host, queues));
  }

  queueStates(): Promise<QueueState[]> {
    return this.host.use(async () => queueStates(this.host, await this.queues()));
  }

  diagnose(id: string): Promise<Diagnosis> {
    return this.host.use(() => diagnose(this.host, id, () => this.workers()));
  }
}

function addToGroups(groups: Map<string, ErrorGroup>, r: TaskResultData): void {
  const error = r.errors.at(-1);
  const at = r.finishedAt ?? r.enqueuedAt;
  const exceptionClass = error?.exceptionClass ?? "";
  const key = `${r.taskName}\n${exceptionClass}`;
  const group = groups.get(key);
  if (!group) {
    groups.set(key, {
      taskName: r.taskName,
      exceptionClass,
      count: 1,
      firstSeen: at,
      lastSeen: at,
      lastMessage: error?.message ?? "",
      sampleTraceback: error?.traceback ?? "",
      sampleId: r.id,
    });
    return;
  }
  group.count++;
  if (at < group.firstSeen) group.firstSeen = at;
  if (at > group.lastSeen) {
    Object.assign(group, {
      lastSeen: at,
      lastMessage: error?.message ?? "",
      sampleTraceback: error?.traceback ?? "",
      sampleId: r.id,
    });
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString();
  if (!/^[0-9a-f-]{1,64}$/i.test(id)) throw new UsageError(`invalid page cursor "${cursor}"`);
  return id;
}
