import type Database from "better-sqlite3";
import type { ResultFilter } from "../../contract/management.js";
import { UsageError } from "../../core/errors.js";
import type { TaskResultStatus } from "../../core/result.js";
import type { CountedRow } from "./counts.js";
import type { ResultRow } from "./rows.js";
import { SQL } from "./sql/manage.js";
import type { Statements } from "./statements.js";

export interface Key {
  seq: number;
  enqueued_at: number;
}
export interface CountRow {
  queue_name: string;
  task_name: string;
  status: TaskResultStatus;
  n: number;
}
export interface ErrorGroupRow {
  task_name: string;
  exception_class: string;
  n: number;
  first_seen: number;
  last_seen: number;
  id: string;
  message: string;
  traceback: string;
}
export interface FailureGroupRow {
  exception_class: string;
  frame: string | null;
  n: number;
  retrying: number;
  first_seen: number;
  last_seen: number;
  tasks: string;
  id: string;
  message: string;
  traceback: string;
}
export interface WorkerRow {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  started_at: number;
  last_heartbeat_at: number;
  state: "running" | "stopped" | "dead";
  stopped_at: number | null;
  proc_key: string | null;
  proc_start: string | null;
}

type Stmt<R> = Database.Statement<unknown[], R>;

/** Every statement of SQL, with its row type. */
export interface ManageStatements {
  walkPair: Stmt<Key>;
  walkFailed: Stmt<Key>;
  walkFailedTasks: Stmt<Key>;
  walkReady: Stmt<Key>;
  walkReadyByPair: Stmt<Key>;
  walkRunning: Stmt<Key>;
  walkTask: Stmt<Key>;
  walkWaiting: Stmt<Key>;
  walkWaitingByPair: Stmt<Key>;
  rowsBySeq: Stmt<ResultRow>;
  firstQueue: Stmt<string | null>;
  nextQueue: Stmt<string>;
  firstTask: Stmt<string | null>;
  nextTask: Stmt<string>;
  finishedCounts: Stmt<CountRow>;
  countReady: Stmt<number>;
  countRunning: Stmt<number>;
  readyUpTo: Stmt<number>;
  countReadyTasks: Stmt<number>;
  countRunningTasks: Stmt<number>;
  oldestReady: Stmt<number>;
  earliestDue: Stmt<number | null>;
  countSinceFailed: Stmt<number>;
  countSincePair: Stmt<number>;
  countSinceReady: Stmt<number>;
  countSinceRunning: Stmt<number>;
  countSinceTask: Stmt<{ status: TaskResultStatus; n: number }>;
  idRange: Stmt<ResultRow>;
  idSuffix: Stmt<string>;
  byIds: Stmt<ResultRow>;
  errorGroups: Stmt<ErrorGroupRow>;
  failureGroups: Stmt<FailureGroupRow>;
  failedGroupIds: Stmt<string>;
  retryingGroupIds: Stmt<string>;
  retry: Stmt<CountedRow>;
  retrySeqs: Stmt<CountedRow & { id: string }>;
  failedSeqs: Stmt<number>;
  cancel: Stmt<CountedRow>;
  statusOf: Stmt<TaskResultStatus>;
  workers: Stmt<WorkerRow>;
  throughput: Stmt<{ slot: number; n: number }>;
}

/** Single-column results come back as plain values. */
const PLUCKED = new Set<keyof typeof SQL>([
  "firstQueue",
  "nextQueue",
  "firstTask",
  "nextTask",
  "countReady",
  "countRunning",
  "readyUpTo",
  "countReadyTasks",
  "countRunningTasks",
  "oldestReady",
  "earliestDue",
  "countSinceFailed",
  "countSincePair",
  "countSinceReady",
  "countSinceRunning",
  "idSuffix",
  "failedSeqs",
  "statusOf",
  "failedGroupIds",
  "retryingGroupIds",
]);

/** The management statements of a connection, from its one statement cache. */
export function manageStatements(statements: Statements): ManageStatements {
  const out: Record<string, unknown> = {};
  for (const [name, sql] of Object.entries(SQL)) {
    out[name] = PLUCKED.has(name as keyof typeof SQL) ? statements.pluck(sql) : statements.get(sql);
  }
  return out as unknown as ManageStatements;
}

/** A list filter as a JSON parameter: null (no filter) when absent or empty. */
export function jsonList(values: readonly string[] | null | undefined): string | null {
  return values && values.length > 0 ? JSON.stringify(values) : null;
}

/** A ResultFilter with empty lists as null (no filter), duplicates removed, `since` in ms. */
export interface Filter {
  statuses: TaskResultStatus[] | null;
  tasks: string[] | null;
  queues: string[] | null;
  since: number | null;
  waiting: "scheduled" | "retrying" | null;
}

const distinct = <T>(values: readonly T[] | undefined): T[] | null =>
  values && values.length > 0 ? [...new Set(values)] : null;

export function normalize(filter: ResultFilter = {}): Filter {
  return {
    statuses: distinct(filter.statuses),
    tasks: distinct(filter.taskNames),
    queues: distinct(filter.queues),
    since: filter.since ? filter.since.getTime() : null,
    waiting: filter.waiting ?? null,
  };
}

/** Whether a normalized list filter lets `value` through. */
export const allows = <T>(list: readonly T[] | null, value: T): boolean => list === null || list.includes(value);

/** The opaque page cursor: the (enqueued_at, seq) of the last row shown. */
export function encodeCursor(key: Key): string {
  return Buffer.from(`${key.enqueued_at}:${key.seq}`).toString("base64url");
}

export function decodeCursor(cursor: string): Key {
  const match = /^(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new UsageError(`invalid page cursor "${cursor}"`);
  return { enqueued_at: Number(match[1]), seq: Number(match[2]) };
}
