import type {
  ErrorGroup,
  IdOutcome,
  ListOptions,
  ManagementStore,
  PruneOptions,
  QueueCounts,
  ResultFilter,
  ResultPage,
  RetryOptions,
  StatusCounts,
  WorkerInfo,
} from "../../contract/management.js";
import { UsageError } from "../../core/errors.js";
import { ALL_STATUSES, type TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { recordsOf } from "./jobs.js";
import { cancelIds, prunableSets, pruneSets, retryIds } from "./manage-write.js";
import { parseMember, usedQueues } from "./own-keys.js";
import { finishedPerMinute } from "./raw.js";
import { type JobView, toRecord } from "./records.js";
import { listWorkers } from "./registry.js";

/** Index members read per round trip while walking. */
const CHUNK = 500;

export const zeroCounts = (): StatusCounts => ({ READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 });
const allows = <T>(list: readonly T[] | undefined, value: T) => !list || list.length === 0 || list.includes(value);

/** The lexical lower bound of UUIDv7 ids created at or after `ms` (their first 48 bits are the time). */
export function idBoundFor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

export function matches(record: TaskResultData, filter: ResultFilter): boolean {
  return (
    allows(filter.statuses, record.status) &&
    allows(filter.taskNames, record.taskName) &&
    allows(filter.queues, record.queueName) &&
    (!filter.since || record.enqueuedAt >= filter.since)
  );
}

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
 */
export class RedisManagement implements ManagementStore {
  constructor(readonly host: RedisHost) {}

  /** Configured queues and every queue that ever had a task. */
  async queues(): Promise<string[]> {
    const used = await usedQueues(await this.host.client(), this.host.keys);
    return [...new Set([...this.host.queues, ...used])].sort();
  }

  /** Walks the index newest first (below `before`, at or after `since`), yielding records. */
  async *walk(filter: ResultFilter, before?: string): AsyncGenerator<TaskResultData[]> {
    const client = await this.host.client();
    let max = before === undefined ? "+" : `(${before}`;
    const min = filter.since ? `[${idBoundFor(filter.since.getTime())}` : "-";
    for (;;) {
      const members = await client.zrevrangebylex(this.host.keys.index, max, min, "LIMIT", 0, CHUNK);
      if (members.length === 0) return;
      max = `(${members[members.length - 1]}`;
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
      if ((filter.taskNames?.length ?? 0) > 0 || filter.since) {
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

  /**
   * Per-queue counts from BullMQ's getJobCounts (and tasklane's cancelled sets). oldestReadyAt
   * is the oldest of the next tasks to run (the wait list's head, the 50 first prioritized, the
   * next delayed): exact unless an older task waits behind 50 of higher priority.
   */
  countByQueue(): Promise<QueueCounts[]> {
    return this.host.use(async () => {
      const client = await this.host.client();
      return Promise.all(
        (await this.queues()).map(async (queueName): Promise<QueueCounts> => {
          const queue = await this.host.queue(queueName);
          const [bull, cancelled] = await Promise.all([
            queue.getJobCounts(
              "waiting",
              "prioritized",
              "delayed",
              "waiting-children",
              "active",
              "completed",
              "failed",
            ),
            client.zcard(this.host.keys.cancelledAt(queueName)),
          ]);
          const n = (state: string) => bull[state] ?? 0;
          const counts = zeroCounts();
          counts.READY = n("waiting") + n("paused") + n("prioritized") + n("delayed") + n("waiting-children");
          counts.RUNNING = n("active");
          counts.SUCCEEDED = n("completed");
          counts.FAILED = n("failed");
          counts.CANCELLED = cancelled;
          let oldestReadyAt: Date | null = null;
          if (counts.READY > 0) {
            const next = (
              await Promise.all([queue.getWaiting(0, 0), queue.getPrioritized(0, 49), queue.getDelayed(0, 0)])
            ).flat();
            const times = next.map((job) => job.timestamp).filter((t) => t > 0);
            if (times.length > 0) oldestReadyAt = new Date(Math.min(...times));
          }
          return { queueName, counts, oldestReadyAt };
        }),
      );
    });
  }

  findByIdPrefix(prefix: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || prefix === "" || prefix.includes(" ")) return Promise.resolve([]);
    return this.host.use(async () => {
      const client = await this.host.client();
      const members = await client.zrangebylex(
        this.host.keys.index,
        `[${prefix}`,
        `[${prefix}\xff`,
        "LIMIT",
        0,
        Math.floor(limit),
      );
      return recordsOf(this.host, members.map(parseMember));
    });
  }

  findByIdFragment(fragment: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || fragment === "" || fragment.includes(" ")) return Promise.resolve([]);
    return this.host.use(async () => {
      const found = await this.findByIdPrefix(fragment, limit);
      if (found.length >= limit) return found;
      // "Ends with": no index can serve it, so scan the index (O(n)).
      const client = await this.host.client();
      const seen = new Set(found.map((r) => r.id));
      const pattern = `*${fragment.replace(/[*?[\]\\]/g, "\\$&")} *`;
      const members: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await client.zscan(this.host.keys.index, cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        for (let i = 0; i < batch.length; i += 2) {
          const member = batch[i] as string;
          if (!seen.has(parseMember(member).id)) members.push(member);
        }
      } while (cursor !== "0" && found.length + members.length < limit);
      members.sort();
      return [...found, ...(await recordsOf(this.host, members.slice(0, limit - found.length).map(parseMember)))];
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

  /** Every FAILED record matching the filter, from BullMQ's failed jobs (getFailed; O(failed)). */
  async *failed(filter: ResultFilter): AsyncGenerator<TaskResultData[]> {
    for (const queueName of await this.queues()) {
      if (!allows(filter.queues, queueName)) continue;
      const queue = await this.host.queue(queueName);
      for (let start = 0; ; start += CHUNK) {
        const jobs = await queue.getFailed(start, start + CHUNK - 1);
        const records = jobs
          .map((job) =>
            toRecord(this.host.alias, {
              id: job.id as string,
              queueName,
              job: job as JobView,
              state: "failed",
              dueAt: null,
              tombstone: null,
            }),
          )
          .filter((r) => matches(r, filter));
        if (records.length > 0) yield records;
        if (jobs.length < CHUNK) break;
      }
    }
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
