import type { EnqueueRequest } from "../../core/environment.js";
import type { JsonValue } from "../../core/json.js";
import type { TaskErrorData, TaskResultData, TaskResultStatus } from "../../core/result.js";

/** One row of `tasklane_results`, as better-sqlite3 returns it. */
export interface ResultRow {
  seq: number;
  id: string;
  task_name: string;
  status: TaskResultStatus;
  args: string;
  queue_name: string;
  priority: number;
  run_after: number | null;
  due_at: number;
  enqueued_at: number;
  started_at: number | null;
  finished_at: number | null;
  last_attempted_at: number | null;
  worker_ids: string;
  errors: string;
  return_value: string | null;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  lease_expires_at: number | null;
  timeout_ms: number | null;
  schedule: string | null;
  unique_key: string | null;
  unique_scope: "ready" | "active" | "period" | null;
  unique_until: number | null;
  unique_hold: string | null;
  concurrency_key: string | null;
  concurrency_limit: number | null;
}

/** The positional values of the store's INSERT, in its column order. */
export type InsertValues = [
  id: string,
  taskName: string,
  args: string,
  queueName: string,
  priority: number,
  runAfter: number | null,
  dueAt: number,
  enqueuedAt: number,
  maxAttempts: number,
  timeoutMs: number | null,
  schedule: string | null,
  uniqueKey: string | null,
  uniqueScope: string | null,
  uniqueUntil: number | null,
  uniqueHold: string | null,
  concurrencyKey: string | null,
  concurrencyLimit: number | null,
];

/** The stored form of a unique task's hold: keys are per task name. */
export function holdOf(taskName: string, key: string): string {
  return `${taskName}\u0000${key}`;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const ms = (value: Date | null): number | null => (value === null ? null : value.getTime());

/** A READY record (from `readyRecord`) and its request as INSERT values; args are serialised here, once. */
export function insertValues(record: TaskResultData, request?: EnqueueRequest): InsertValues {
  const enqueuedAt = record.enqueuedAt.getTime();
  const runAfter = ms(record.runAfter);
  return [
    record.id,
    record.taskName,
    JSON.stringify(record.args),
    record.queueName,
    record.priority,
    runAfter,
    runAfter ?? enqueuedAt,
    enqueuedAt,
    record.maxAttempts,
    record.timeoutMs ?? null,
    request?.schedule ?? null,
    request?.unique?.key ?? null,
    request?.unique?.scope ?? null,
    request?.unique?.until ?? null,
    request?.unique ? holdOf(record.taskName, request.unique.key) : null,
    request?.concurrency?.key ?? null,
    request?.concurrency?.limit ?? null,
  ];
}

/**
 * A row as the record every backend returns; `backend` is the alias, not a column. Decoded as a
 * claimed row is (claimedToRecord, one decoder for both), plus the return value of a success.
 */
export function rowToRecord(row: ResultRow, alias: string): TaskResultData {
  const record = claimedToRecord(
    [
      row.seq,
      row.id,
      row.task_name,
      row.status,
      row.args,
      row.queue_name,
      row.priority,
      row.run_after,
      row.enqueued_at,
      row.started_at,
      row.finished_at,
      row.last_attempted_at,
      row.worker_ids,
      row.errors,
      row.max_attempts,
      row.timeout_ms,
      row.unique_key,
      row.concurrency_key,
      row.schedule,
    ],
    alias,
  );
  if (row.status === "SUCCEEDED") record.returnValue = JSON.parse(row.return_value ?? "null") as JsonValue;
  return record;
}

/**
 * What a claim reads back of each row it took (sql/claim.ts, CLAIMED_ROW), as a raw statement's
 * array in that column order. better-sqlite3 builds a row object key by key, which cost more
 * than the claim's own UPDATE (measured, 50-row claims: ~26 µs per task read as a 28-key object,
 * ~20 µs as an array).
 */
export type ClaimedRow = [
  seq: number,
  id: string,
  taskName: string,
  status: TaskResultStatus,
  args: string,
  queueName: string,
  priority: number,
  runAfter: number | null,
  enqueuedAt: number,
  startedAt: number | null,
  finishedAt: number | null,
  lastAttemptedAt: number | null,
  workerIds: string,
  errors: string,
  maxAttempts: number,
  timeoutMs: number | null,
  uniqueKey: string | null,
  concurrencyKey: string | null,
  schedule: string | null,
];

/** A claimed row as its record, by ClaimedRow's positions (indexed: no iterator); rowToRecord decodes through it too. */
export function claimedToRecord(row: ClaimedRow, alias: string): TaskResultData {
  return {
    id: row[1],
    taskName: row[2],
    status: row[3],
    args: JSON.parse(row[4]) as JsonValue[],
    backend: alias,
    queueName: row[5],
    priority: row[6],
    runAfter: date(row[7]),
    enqueuedAt: new Date(row[8]),
    startedAt: date(row[9]),
    finishedAt: date(row[10]),
    lastAttemptedAt: date(row[11]),
    workerIds: JSON.parse(row[12]) as string[],
    errors: JSON.parse(row[13]) as TaskErrorData[],
    maxAttempts: row[14],
    timeoutMs: row[15],
    uniqueKey: row[16],
    concurrencyKey: row[17],
    schedule: row[18],
  };
}

/** Claim order: priority desc, then due (runAfter, else enqueue time), enqueue time, insertion. */
export function compareClaimOrder(
  a: Pick<ResultRow, "priority" | "due_at" | "enqueued_at" | "seq">,
  b: Pick<ResultRow, "priority" | "due_at" | "enqueued_at" | "seq">,
): number {
  return b.priority - a.priority || a.due_at - b.due_at || a.enqueued_at - b.enqueued_at || a.seq - b.seq;
}
