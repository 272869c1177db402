import type { Redis } from "ioredis";
import type { JsonValue } from "../../core/json.js";
import type { TaskErrorData, TaskResultData, TaskResultStatus } from "../../core/result.js";
import type { OwnKeys } from "./connection.js";

/**
 * Priorities: ours run −100..100, larger first; BullMQ's run 1..2^21, smaller first, and 0
 * means "no priority" (a separate FIFO list served before every prioritized job). Every job
 * gets 101 − p (1..201), so all of them go through BullMQ's prioritized set, whose score is
 * (priority, insertion counter): higher tasklane priority first, FIFO among equals.
 */
export const toBullPriority = (priority: number): number => 101 - priority;
export const fromBullPriority = (bull: number): number => 101 - bull;

/** BullMQ's failedReason when a job stalled more often than maxStalledCount allows. */
export const STALLED_REASON = "job stalled more than allowable limit";
export const LOST_WORKER = "(lost)";

/**
 * What tasklane keeps in a job's `data`. BullMQ keeps only stack strings for failures, so the
 * worker writes the full TaskError list (one per failed attempt) and the ids of the workers of
 * ended attempts here whenever an attempt fails (never on success: that costs nothing extra).
 */
export interface JobData {
  args: JsonValue[];
  /** Absent: the job's BullMQ priority says it (101 − p). */
  priority?: number;
  /** Absent: 1. */
  maxAttempts?: number;
  /** The requested start (ms), or, after a failed attempt, when the retry is due. */
  runAfter?: number | null;
  /** Workers of attempts that ended without success (failed, lost or interrupted). */
  workerIds?: string[];
  errors?: TaskErrorData[];
  /** First start (ms), once an attempt has ended. */
  startedAt?: number;
  /** Start of the latest ended attempt (ms); BullMQ's processedOn is cleared by a manual retry. */
  lastAttemptedAt?: number;
}

/** The fields of a job hash tasklane reads (BullMQ's names). */
export type JobHash = Record<string, string>;

export type BullState = "active" | "completed" | "failed" | "delayed" | "waiting" | "cancelled";

export interface JobSnapshot {
  id: string;
  queueName: string;
  hash: JobHash;
  state: BullState;
  /** When a delayed job is due (ms). */
  dueAt: number | null;
  /** The record of a cancelled result (its job is gone). */
  tombstone: TaskResultData | null;
}

const date = (ms: number | null | undefined): Date | null =>
  ms === null || ms === undefined || Number.isNaN(ms) ? null : new Date(ms);
const num = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));

export function parseData(hash: JobHash): JobData {
  return JSON.parse(hash.data ?? "{}") as JobData;
}

const STATUS: Record<Exclude<BullState, "cancelled">, TaskResultStatus> = {
  active: "RUNNING",
  completed: "SUCCEEDED",
  failed: "FAILED",
  delayed: "READY",
  waiting: "READY",
};

/** A job (hash + state) as the TaskResult record every backend returns. */
export function toRecord(alias: string, snap: JobSnapshot, parsed?: JobData): TaskResultData {
  if (snap.state === "cancelled" && snap.tombstone) return reviveDates(snap.tombstone);
  const { hash } = snap;
  const data = parsed ?? parseData(hash);
  const workerIds = [...(data.workerIds ?? [])];
  const errors = [...(data.errors ?? [])];
  const processedOn = num(hash.processedOn);
  const status = STATUS[snap.state as Exclude<BullState, "cancelled">] ?? "READY";
  const record: TaskResultData = {
    id: snap.id,
    taskName: hash.name ?? "",
    status,
    args: data.args ?? [],
    backend: alias,
    queueName: snap.queueName,
    priority: data.priority ?? fromBullPriority(Number(hash.priority ?? 101)),
    runAfter: date(snap.dueAt ?? data.runAfter),
    enqueuedAt: new Date(Number(hash.timestamp)),
    startedAt: date(data.startedAt ?? (status === "READY" ? undefined : processedOn)),
    finishedAt: null,
    lastAttemptedAt: date(
      status === "READY" ? (data.lastAttemptedAt ?? processedOn) : (processedOn ?? data.lastAttemptedAt),
    ),
    workerIds,
    errors,
    maxAttempts: data.maxAttempts ?? 1,
  };
  if (status === "RUNNING" || status === "SUCCEEDED") workerIds.push(hash.pb ?? LOST_WORKER);
  if (status === "SUCCEEDED") {
    record.returnValue = JSON.parse(hash.returnvalue ?? "null") as JsonValue;
    record.finishedAt = date(num(hash.finishedOn));
  }
  if (status === "FAILED") {
    record.finishedAt = date(num(hash.finishedOn));
    const reason = hash.failedReason ?? "";
    // Failed by BullMQ itself, not by a tasklane worker (which always writes its errors first).
    if (reason === STALLED_REASON) {
      workerIds.push(hash.pb ?? LOST_WORKER);
      errors.push(workerLost(`The worker running this task stopped (BullMQ: ${reason})`));
    } else if (errors.length === 0) {
      errors.push({ exceptionClass: "Error", message: reason, traceback: stackOf(hash) || `Error: ${reason}` });
    }
  }
  return record;
}

export function workerLost(message: string): TaskErrorData {
  return { exceptionClass: "WorkerLost", message, traceback: `WorkerLost: ${message}` };
}

function stackOf(hash: JobHash): string {
  try {
    const stacks = JSON.parse(hash.stacktrace ?? "[]") as string[];
    return stacks.at(-1) ?? "";
  } catch {
    return "";
  }
}

/** A tombstone is stored as JSON: its dates come back as strings. */
function reviveDates(record: TaskResultData): TaskResultData {
  const d = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    ...record,
    runAfter: d(record.runAfter),
    enqueuedAt: new Date(record.enqueuedAt as unknown as string),
    startedAt: d(record.startedAt),
    finishedAt: d(record.finishedAt),
    lastAttemptedAt: d(record.lastAttemptedAt),
  };
}

export const indexMember = (id: string, queue: string) => `${id} ${queue}`;

/** Splits an index member "<id> <queue>" (ids never contain a space; queue names may). */
export function parseMember(member: string): { id: string; queueName: string } {
  const space = member.indexOf(" ");
  return { id: member.slice(0, space), queueName: member.slice(space + 1) };
}

/** The queue each id belongs to, from the index (one round trip for any number of ids). */
export async function queuesOf(client: Redis, keys: OwnKeys, ids: string[]): Promise<Map<string, string>> {
  const pipeline = client.pipeline();
  for (const id of ids) pipeline.zrangebylex(keys.index, `[${id} `, `[${id} \xff`, "LIMIT", 0, 1);
  const replies = (await pipeline.exec()) ?? [];
  const out = new Map<string, string>();
  replies.forEach(([error, members], i) => {
    const member = (members as string[] | undefined)?.[0];
    if (!error && member) out.set(ids[i] as string, parseMember(member).queueName);
  });
  return out;
}

/**
 * Reads jobs with their states in one MULTI (atomic: a job cannot move between two checks):
 * hash, completed/failed/delayed scores, position in active, and the cancelled tombstone.
 * Entries whose job and tombstone are both gone come back as null.
 */
export async function readJobs(
  client: Redis,
  prefix: string,
  keys: OwnKeys,
  refs: { id: string; queueName: string }[],
): Promise<(JobSnapshot | null)[]> {
  if (refs.length === 0) return [];
  const multi = client.multi();
  for (const { id, queueName } of refs) {
    const q = `${prefix}:${queueName}:`;
    multi.hgetall(`${q}${id}`);
    multi.zscore(`${q}completed`, id);
    multi.zscore(`${q}failed`, id);
    multi.zscore(`${q}delayed`, id);
    multi.lpos(`${q}active`, id);
    multi.hget(keys.cancelled, id);
  }
  const replies = (await multi.exec()) ?? [];
  const value = (i: number): unknown => {
    const [error, reply] = replies[i] ?? [null, null];
    if (error) throw error;
    return reply;
  };
  return refs.map(({ id, queueName }, n) => {
    const at = n * 6;
    const hash = value(at) as JobHash;
    const tomb = value(at + 5) as string | null;
    if (!hash || Object.keys(hash).length === 0) {
      if (!tomb) return null;
      return {
        id,
        queueName,
        hash: {},
        state: "cancelled",
        dueAt: null,
        tombstone: JSON.parse(tomb) as TaskResultData,
      };
    }
    let state: BullState = "waiting";
    let dueAt: number | null = null;
    if (value(at + 1) !== null) state = "completed";
    else if (value(at + 2) !== null) state = "failed";
    else if (value(at + 4) !== null) state = "active";
    else if (value(at + 3) !== null) {
      state = "delayed";
      // BullMQ scores delayed jobs as dueAt * 4096 + a counter.
      dueAt = Math.floor(Number(value(at + 3)) / 4096);
    }
    return { id, queueName, hash, state, dueAt, tombstone: null };
  });
}
