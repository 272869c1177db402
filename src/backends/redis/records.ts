import type { EnqueueRequest } from "../../core/environment.js";
import { idTime } from "../../core/ids.js";
import type { JsonValue } from "../../core/json.js";
import type { TaskErrorData, TaskResultData, TaskResultStatus } from "../../core/result.js";
import type { UniqueHold } from "../../core/task-controls.js";
import { deduplicationOf } from "./unique.js";

/**
 * Priorities: ours run −100..100, larger first; BullMQ's run 1..2^21, smaller first, and 0
 * means "no priority" (a separate FIFO list served before every prioritized job). Every job
 * gets 101 − p (1..201), so all of them go through BullMQ's prioritized set, whose score is
 * (priority, insertion counter): higher tasklane priority first, FIFO among equals.
 */
export const toBullPriority = (priority: number): number => 101 - priority;
export const fromBullPriority = (bull: number): number => 101 - bull;

/** The custom BullMQ backoff type: the delay is decided by the worker (core/retry.ts). */
export const BACKOFF_TYPE = "tasklane";
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
  /** This enqueue's own timeout (using({ timeoutMs })); absent: the task's. */
  timeoutMs?: number;
  /** The requested start (ms), or, after a failed or lost attempt, when the retry is due. */
  runAfter?: number | null;
  /**
   * Attempts that reached the task function: the worker writes it before each run (the start
   * marker; one letter, as it is in every job). Starts beyond the attempts that ended
   * (`workerIds`) were lost with their worker; a job BullMQ handed out and took back without it
   * ever starting (a fetch whose answer was lost in a Redis restart) leaves no start, so it is
   * not counted as an attempt.
   */
  s?: number;
  /** The start marker as tasklane wrote it before `s` (read, never written). */
  starts?: number;
  /** Workers of attempts that ended without success (failed, lost or interrupted). */
  workerIds?: string[];
  errors?: TaskErrorData[];
  /** First start (ms), once an attempt has ended. */
  startedAt?: number;
  /** Start of the latest ended attempt (ms); BullMQ's processedOn is cleared by a manual retry. */
  lastAttemptedAt?: number;
  /** A unique task's key and how long it holds it (the hold itself is BullMQ's deduplication key, unique.ts). */
  uniqueKey?: string;
  uniqueScope?: UniqueHold["scope"];
  /** The schedule this task is a tick of. */
  schedule?: string;
}

/** The fields of a BullMQ Job tasklane reads (a Job from BullMQ's getters has them all). */
export interface JobView {
  name: string;
  timestamp: number;
  priority: number;
  data: JobData;
  delay?: number;
  processedOn?: number;
  finishedOn?: number;
  returnvalue?: unknown;
  failedReason?: string;
  stacktrace?: string[] | null;
  /** BullMQ's worker name of the latest run: a worker code, or a worker id before codes (worker-codes.ts). */
  processedBy?: string;
}

export type BullState = "active" | "completed" | "failed" | "delayed" | "waiting" | "cancelled";

export interface JobSnapshot {
  id: string;
  queueName: string;
  /** The job (null once it is gone: a cancelled result keeps only its tombstone). */
  job: JobView | null;
  state: BullState;
  /** When a delayed job is due (ms). */
  dueAt: number | null;
  /** The record of a cancelled result (its job is gone). */
  tombstone: TaskResultData | null;
}

const date = (ms: number | null | undefined): Date | null =>
  ms === null || ms === undefined || Number.isNaN(ms) ? null : new Date(ms);

/** BullMQ's job state (getState) as ours; null for a job that does not exist. */
export function bullState(state: string): BullState | null {
  if (state === "prioritized" || state === "waiting-children") return "waiting";
  if (["active", "completed", "failed", "delayed", "waiting"].includes(state)) return state as BullState;
  return null;
}

/** When a delayed job is due: tasklane writes it as runAfter whenever it delays a job. */
export function dueAtOf(job: JobView): number {
  return job.data.runAfter ?? job.timestamp + (job.delay ?? 0);
}

const STATUS: Record<Exclude<BullState, "cancelled">, TaskResultStatus> = {
  active: "RUNNING",
  completed: "SUCCEEDED",
  failed: "FAILED",
  delayed: "READY",
  waiting: "READY",
};

/** Attempts that reached the task function (the start marker, in either of its spellings). */
export const startsOf = (data: JobData): number => data.s ?? data.starts ?? 0;

/**
 * A job (and its state) as the TaskResult record every backend returns. `names` turns BullMQ's
 * worker names (codes) into worker ids (see worker-codes.ts).
 */
export function toRecord(alias: string, snap: JobSnapshot, names: (name: string) => string = (n) => n): TaskResultData {
  if (snap.tombstone && (snap.state === "cancelled" || !snap.job)) return reviveDates(snap.tombstone);
  const job = snap.job as JobView;
  const data = job.data ?? { args: [] };
  const workerIds = [...(data.workerIds ?? [])];
  const errors = [...(data.errors ?? [])];
  const processedOn = job.processedOn;
  const by = job.processedBy === undefined ? LOST_WORKER : names(job.processedBy);
  const status = STATUS[snap.state as Exclude<BullState, "cancelled">] ?? "READY";
  const record: TaskResultData = {
    id: snap.id,
    taskName: job.name ?? "",
    status,
    args: data.args ?? [],
    backend: alias,
    queueName: snap.queueName,
    priority: data.priority ?? fromBullPriority(Number.isFinite(job.priority) ? job.priority : 101),
    runAfter: date(snap.dueAt ?? data.runAfter),
    // An evicted job has no timestamp left; its id (a UUIDv7) says when it was made.
    enqueuedAt: new Date(Number.isFinite(job.timestamp) ? job.timestamp : (idTime(snap.id) ?? job.processedOn ?? 0)),
    startedAt: date(data.startedAt ?? (status === "READY" ? undefined : processedOn)),
    finishedAt: null,
    lastAttemptedAt: date(
      status === "READY" ? (data.lastAttemptedAt ?? processedOn) : (processedOn ?? data.lastAttemptedAt),
    ),
    workerIds,
    errors,
    maxAttempts: data.maxAttempts ?? 1,
    timeoutMs: data.timeoutMs ?? null,
    uniqueKey: data.uniqueKey ?? null,
    schedule: data.schedule ?? null,
  };
  if (status === "RUNNING" || status === "SUCCEEDED") workerIds.push(by);
  if (status === "SUCCEEDED") {
    record.returnValue = (job.returnvalue ?? null) as JsonValue;
    record.finishedAt = date(job.finishedOn);
  }
  if (status === "FAILED") {
    record.finishedAt = date(job.finishedOn);
    const reason = job.failedReason ?? "";
    // Failed by BullMQ itself, not by a tasklane worker (which always writes its errors first).
    if (reason === STALLED_REASON) {
      workerIds.push(by);
      errors.push(workerLost(`The worker running this task stopped (BullMQ: ${reason})`));
    } else if (errors.length === 0) {
      errors.push({
        exceptionClass: "Error",
        message: reason,
        traceback: job.stacktrace?.at(-1) || `Error: ${reason}`,
      });
    }
  }
  return record;
}

/**
 * A job whose hash lost the fields every add writes (its name, its enqueue time): Redis evicted
 * the key under its maxmemory-policy (or someone deleted it), and what is left are the fields
 * BullMQ wrote since, moving the id it still listed to active or failed.
 */
export function isEvicted(job: Pick<JobView, "name" | "timestamp">): boolean {
  return !job.name && !Number.isFinite(job.timestamp);
}

/** The error of an evicted job (isEvicted): nothing is left to run, and no retry would find more. */
export function evictedError(): TaskErrorData {
  const message =
    "the task's data (its name and arguments) is gone from Redis: evicted under memory pressure by a maxmemory-policy other than noeviction, or deleted; set maxmemory-policy noeviction (CONFIG SET maxmemory-policy noeviction, and in redis.conf) so Redis keeps every task";
  return { exceptionClass: "TaskEvicted", message, traceback: `TaskEvicted: ${message}` };
}

export function workerLost(message: string): TaskErrorData {
  return { exceptionClass: "WorkerLost", message, traceback: `WorkerLost: ${message}` };
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

/** The job's data: kept small (it is stored, sent and parsed for every job). */
export function jobData(record: TaskResultData, request?: EnqueueRequest): JobData {
  const data: JobData = { args: record.args };
  if (record.runAfter) data.runAfter = record.runAfter.getTime();
  if (record.maxAttempts !== 1) data.maxAttempts = record.maxAttempts;
  if (record.timeoutMs) data.timeoutMs = record.timeoutMs;
  if (request?.unique) {
    data.uniqueKey = request.unique.key;
    data.uniqueScope = request.unique.scope;
  }
  if (record.schedule) data.schedule = record.schedule;
  return data;
}

/**
 * BullMQ options; results are kept until `tasks prune` (BullMQ's default keeps finished jobs).
 * A unique task holds its key through BullMQ's deduplication (unique.ts).
 */
export function jobOptions(record: TaskResultData, now: Date, request?: EnqueueRequest) {
  const delay = record.runAfter ? Math.max(0, record.runAfter.getTime() - now.getTime()) : 0;
  return {
    jobId: record.id,
    priority: toBullPriority(record.priority),
    timestamp: now.getTime(),
    ...(delay > 0 ? { delay } : {}),
    // Retries are decided by the worker (attempts used vs maxAttempts, counting lost runs);
    // BullMQ's own counter is an upper bound and the delay comes from the custom strategy.
    ...(record.maxAttempts > 1 ? { attempts: record.maxAttempts, backoff: { type: BACKOFF_TYPE } } : {}),
    ...(request?.unique ? { deduplication: deduplicationOf(request.taskName, request.unique, now.getTime()) } : {}),
  };
}
