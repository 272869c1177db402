import type { Redis } from "ioredis";
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
  WorkerInfo,
} from "../../contract/management.js";
import { UsageError } from "../../core/errors.js";
import { ALL_STATUSES, type TaskResultData } from "../../core/result.js";
import type { RedisBackend } from "./backend.js";
import { cancelIds, prunableSets, pruneSets, retryIds } from "./manage-write.js";
import { parseMember, queuesOf, readJobs, toRecord } from "./records.js";
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
 * The operator's view of a Redis backend. Cost on Redis, honestly:
 * - O(1)/O(log n) per call: unfiltered counts (BullMQ's per-state sets), id prefix lookup,
 *   an unfiltered page of results, throughput, workers.
 * - O(results walked): listResults and countByStatus with task/status filters, and the id
 *   suffix search, walk the id index (newest first) reading jobs 500 at a time; `since`
 *   bounds the walk (ids are UUIDv7, so the index is in enqueue order).
 * - O(finished jobs of the kind): errorGroups and retryFailed read every FAILED job, prune
 *   reads the finished jobs it deletes.
 */
export class RedisManagement implements ManagementStore {
  constructor(readonly backend: RedisBackend) {}

  async #ctx() {
    const client = await this.backend.client();
    return { client, prefix: this.backend.settings.prefix, keys: this.backend.keys, alias: this.backend.alias };
  }

  /** Configured queues and every queue that ever had a task. */
  async queues(client?: Redis): Promise<string[]> {
    const c = client ?? (await this.backend.client());
    return [...new Set([...this.backend.queues, ...(await c.smembers(this.backend.keys.queues))])].sort();
  }

  /** Records of index members, in the given order, skipping ones deleted meanwhile. */
  async records(members: string[]): Promise<TaskResultData[]> {
    const { client, prefix, keys, alias } = await this.#ctx();
    const snaps = await readJobs(client, prefix, keys, members.map(parseMember));
    return snaps.flatMap((s) => (s ? [toRecord(alias, s)] : []));
  }

  /** Walks the index newest first (below `before`, at or after `since`), yielding records. */
  async *walk(filter: ResultFilter, before?: string): AsyncGenerator<TaskResultData[]> {
    const { client, keys } = await this.#ctx();
    let max = before === undefined ? "+" : `(${before}`;
    const min = filter.since ? `[${idBoundFor(filter.since.getTime())}` : "-";
    for (;;) {
      const members = await client.zrevrangebylex(keys.index, max, min, "LIMIT", 0, CHUNK);
      if (members.length === 0) return;
      max = `(${members[members.length - 1]}`;
      const wanted = members.filter((m) => allows(filter.queues, parseMember(m).queueName));
      const records = (await this.records(wanted)).filter((r) => matches(r, filter));
      if (records.length > 0) yield records;
      if (members.length < CHUNK) return;
    }
  }

  async listResults(options: ListOptions): Promise<ResultPage> {
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
  }

  async countByStatus(filter: ResultFilter = {}): Promise<StatusCounts> {
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
  }

  /**
   * Per-queue counts from BullMQ's state sets. oldestReadyAt is the oldest of the next tasks to
   * run (the wait list's head, the 50 first prioritized, the next delayed): exact unless an
   * older task waits behind 50 of higher priority.
   */
  async countByQueue(): Promise<QueueCounts[]> {
    const { client, prefix, keys } = await this.#ctx();
    const queues = await this.queues(client);
    const p = client.pipeline();
    for (const name of queues) {
      const q = `${prefix}:${name}:`;
      p.llen(`${q}wait`).zcard(`${q}prioritized`).zcard(`${q}delayed`).llen(`${q}paused`).zcard(`${q}waiting-children`);
      p.llen(`${q}active`).zcard(`${q}completed`).zcard(`${q}failed`).zcard(keys.cancelledAt(name));
      p.lrange(`${q}wait`, -1, -1).zrange(`${q}prioritized`, 0, 49).zrange(`${q}delayed`, 0, 0);
    }
    const replies = (await p.exec()) ?? [];
    const out: QueueCounts[] = [];
    for (const [i, queueName] of queues.entries()) {
      const r = (k: number) => {
        const [error, value] = replies[i * 12 + k] ?? [null, null];
        if (error) throw error;
        return value;
      };
      const counts = zeroCounts();
      counts.READY = [0, 1, 2, 3, 4].reduce((sum, k) => sum + Number(r(k)), 0);
      counts.RUNNING = Number(r(5));
      counts.SUCCEEDED = Number(r(6));
      counts.FAILED = Number(r(7));
      counts.CANCELLED = Number(r(8));
      const next = [...(r(9) as string[]), ...(r(10) as string[]), ...(r(11) as string[])];
      let oldestReadyAt: Date | null = null;
      if (counts.READY > 0 && next.length > 0) {
        const stamps = await client
          .pipeline(next.map((id) => ["hget", `${prefix}:${queueName}:${id}`, "timestamp"]))
          .exec();
        const times = (stamps ?? []).map(([, v]) => Number(v)).filter((t) => t > 0);
        if (times.length > 0) oldestReadyAt = new Date(Math.min(...times));
      }
      out.push({ queueName, counts, oldestReadyAt });
    }
    return out;
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || prefix === "" || prefix.includes(" ")) return [];
    const { client, keys } = await this.#ctx();
    const members = await client.zrangebylex(keys.index, `[${prefix}`, `[${prefix}\xff`, "LIMIT", 0, Math.floor(limit));
    return this.records(members);
  }

  async findByIdFragment(fragment: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || fragment === "" || fragment.includes(" ")) return [];
    const found = await this.findByIdPrefix(fragment, limit);
    if (found.length >= limit) return found;
    // "Ends with": no index can serve it, so scan the index (O(n)).
    const { client, keys } = await this.#ctx();
    const seen = new Set(found.map((r) => r.id));
    const pattern = `*${fragment.replace(/[*?[\]\\]/g, "\\$&")} *`;
    const members: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await client.zscan(keys.index, cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      for (let i = 0; i < batch.length; i += 2) {
        const member = batch[i] as string;
        if (!seen.has(parseMember(member).id)) members.push(member);
      }
    } while (cursor !== "0" && found.length + members.length < limit);
    members.sort();
    return [...found, ...(await this.records(members.slice(0, limit - found.length)))];
  }

  async errorGroups(filter: ResultFilter): Promise<ErrorGroup[]> {
    if (!allows(filter.statuses, "FAILED")) return [];
    const groups = new Map<string, ErrorGroup>();
    for await (const records of this.failed(filter)) {
      for (const r of records) {
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
          continue;
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
    }
    return [...groups.values()].sort(
      (a, b) =>
        b.lastSeen.getTime() - a.lastSeen.getTime() ||
        a.taskName.localeCompare(b.taskName) ||
        a.exceptionClass.localeCompare(b.exceptionClass),
    );
  }

  /** Every FAILED record matching the filter, from BullMQ's failed sets (O(failed)). */
  async *failed(filter: ResultFilter): AsyncGenerator<TaskResultData[]> {
    const { client, prefix, keys, alias } = await this.#ctx();
    for (const queueName of await this.queues(client)) {
      if (!allows(filter.queues, queueName)) continue;
      for (let start = 0; ; start += CHUNK) {
        const ids = await client.zrange(`${prefix}:${queueName}:failed`, start, start + CHUNK - 1);
        const snaps = await readJobs(
          client,
          prefix,
          keys,
          ids.map((id) => ({ id, queueName })),
        );
        const records = snaps.flatMap((s) => (s ? [toRecord(alias, s)] : [])).filter((r) => matches(r, filter));
        if (records.length > 0) yield records;
        if (ids.length < CHUNK) break;
      }
    }
  }

  async countPrunable(options: PruneOptions): Promise<number> {
    const { client } = await this.#ctx();
    return (await prunableSets(this, client, options)).reduce((n, set) => n + set.ids.length, 0);
  }

  async prune(options: PruneOptions): Promise<number> {
    const { client } = await this.#ctx();
    return pruneSets(this, client, await prunableSets(this, client, options), options);
  }

  async retry(ids: string[]): Promise<IdOutcome[]> {
    return retryIds(this, await this.backend.client(), ids);
  }

  async retryFailed(filter: ResultFilter): Promise<number> {
    if (!allows(filter.statuses, "FAILED")) return 0;
    const ids: string[] = [];
    for await (const records of this.failed(filter)) ids.push(...records.map((r) => r.id));
    return (await this.retry(ids)).filter((o) => o.ok).length;
  }

  async cancel(ids: string[]): Promise<IdOutcome[]> {
    return cancelIds(this, await this.backend.client(), ids);
  }

  async workers(): Promise<WorkerInfo[]> {
    const { client, keys } = await this.#ctx();
    return listWorkers(client, keys.workers);
  }

  async throughput(minutes: number): Promise<number[]> {
    const n = Math.floor(minutes);
    if (!(n >= 1)) return [];
    const { client, prefix, keys } = await this.#ctx();
    const queues = await this.queues(client);
    const from = Date.now() - n * 60_000;
    const p = client.pipeline();
    for (let i = 0; i < n; i++) {
      const lo = from + i * 60_000;
      const hi = `(${lo + 60_000}`;
      for (const q of queues) {
        p.zcount(`${prefix}:${q}:completed`, lo, hi)
          .zcount(`${prefix}:${q}:failed`, lo, hi)
          .zcount(keys.cancelledAt(q), lo, hi);
      }
    }
    const replies = (await p.exec()) ?? [];
    const per = queues.length * 3;
    return Array.from({ length: n }, (_, i) =>
      replies.slice(i * per, (i + 1) * per).reduce((sum, [, v]) => sum + Number(v ?? 0), 0),
    );
  }

  /** Records by id (any order of ids; unknown ids are left out). */
  async byIds(ids: string[]): Promise<Map<string, TaskResultData>> {
    const { client, prefix, keys, alias } = await this.#ctx();
    const queues = await queuesOf(client, keys, ids);
    const refs = [...queues].map(([id, queueName]) => ({ id, queueName }));
    const snaps = await readJobs(client, prefix, keys, refs);
    return new Map(snaps.flatMap((s) => (s ? [[s.id, toRecord(alias, s)] as const] : [])));
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
