import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect } from "vitest";
import { SqliteBackend } from "../../../src/backends/sqlite/backend.js";
import type { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
import { MIGRATIONS } from "../../../src/backends/sqlite/migrations.js";
import { SCHEMA_VERSION } from "../../../src/backends/sqlite/schema.js";
import { TOTAL_SLOT } from "../../../src/backends/sqlite/sql/counts.js";
import { SqliteStore } from "../../../src/backends/sqlite/store.js";
import type { EnqueueRequest } from "../../../src/contract/backend.js";
import type { ResultFilter } from "../../../src/contract/management.js";
import { readyRecord } from "../../../src/contract/records.js";
import type { QueueSelector } from "../../../src/contract/worker-store.js";
import type { TaskResultData, TaskResultStatus } from "../../../src/core/result.js";

/** The repository root: child processes run here so `--import tsx` and packages resolve. */
export const ROOT = join(import.meta.dirname, "../../..");
export const FIXTURES = join(import.meta.dirname, "fixtures");

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "tasklane-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a test file whose tests each build a database file and open a store on it: a fresh temp
 * folder per test (`path(name)`: a file in it), and the stores opened through `open`, closed
 * after the test before the folder is removed.
 */
export function storesPerTest(): { path(name: string): string; open(path: string): SqliteStore } {
  let folder: { dir: string; cleanup: () => void } | null = null;
  const opened: SqliteStore[] = [];
  beforeEach(() => {
    folder = tempDir();
  });
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    folder?.cleanup();
    folder = null;
  });
  return {
    path(name) {
      if (!folder) throw new Error("storesPerTest: path() is for use inside a test");
      return join(folder.dir, name);
    },
    open(path) {
      const s = openStore(path);
      opened.push(s);
      return s;
    },
  };
}

export function openStore(path: string, alias = "default"): SqliteStore {
  return new SqliteStore({ path, alias });
}

export function openBackend(path: string, alias = "default", options: Record<string, unknown> = {}): SqliteBackend {
  return new SqliteBackend({ alias, queues: [], options: { path, ...options } });
}

/** A READY record as an enqueue would build it, with `enqueuedAt` = `at` when given. */
export function record(fields: Partial<EnqueueRequest> = {}, at?: number): TaskResultData {
  const request: EnqueueRequest = {
    taskName: "t",
    args: [],
    queueName: "default",
    priority: 0,
    runAfter: null,
    maxAttempts: 1,
    ...fields,
  };
  return readyRecord("default", request, at === undefined ? new Date() : new Date(at));
}

export const ALL: QueueSelector = { include: "*", exclude: [] };

export function only(...queues: string[]): QueueSelector {
  return { include: queues, exclude: [] };
}

/**
 * The WAL as SQLite's wal-index header says (the -shm file, native byte order): frames in the WAL
 * (mxFrame) and how many of them are copied back into the database (nBackfill).
 */
export function walState(dbPath: string): { frames: number; backfilled: number } {
  const shm = readFileSync(`${dbPath}-shm`);
  return { frames: shm.readUInt32LE(16), backfilled: shm.readUInt32LE(96) };
}

/** The file's index names, in order. */
export function indexNames(s: SqliteStore): string[] {
  return s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").pluck().all() as string[];
}

/** Fills a (v6 or later) file's tasklane_counts totals from its rows, as the store keeps them. */
export function fillCounts(raw: Database.Database): void {
  raw.exec(`INSERT INTO tasklane_counts (queue_name, task_name, status, slot, n)
    SELECT queue_name, task_name, status, ${TOTAL_SLOT}, count(*) FROM tasklane_results
    WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') GROUP BY 1, 2, 3`);
}

/**
 * A migrated file: at the current version (`version`, which the test was written for), with the
 * indexes `added` and without the `dropped` ones, and whole (integrity_check).
 */
export function expectMigrated(s: SqliteStore, version: number, added: string[], dropped: string[]): void {
  expect(s.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
  expect(SCHEMA_VERSION).toBe(version);
  const names = indexNames(s);
  for (const name of added) expect(names).toContain(name);
  for (const name of dropped) expect(names).not.toContain(name);
  expect(s.db.pragma("integrity_check", { simple: true })).toBe("ok");
}

/** tasklane_counts' totals, and the same counted from the rows: equal when the counts are exact. */
export function countsAndTruth(s: SqliteStore): { counts: unknown[]; truth: unknown[] } {
  const counts = s.db
    .prepare(
      `SELECT queue_name, task_name, status, n FROM tasklane_counts WHERE slot = ${TOTAL_SLOT} AND n > 0 ORDER BY 1, 2, 3`,
    )
    .all();
  const truth = s.db
    .prepare(`SELECT queue_name, task_name, status, count(*) AS n FROM tasklane_results
      WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
    .all();
  return { counts, truth };
}

/** The ids of the rows matching `where`, newest first (as listings order them), read by plain SQL. */
export function newestIds(s: SqliteStore, where: string, params: unknown[], limit: number): string[] {
  return s.db
    .prepare(`SELECT id FROM tasklane_results WHERE ${where} ORDER BY enqueued_at DESC, seq DESC LIMIT ${limit}`)
    .pluck()
    .all(...params) as string[];
}

/** The ids of three pages of 20 results, each page continuing from the last one's cursor. */
export async function threePages(m: SqliteManagement, filter: ResultFilter): Promise<string[]> {
  const got: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 3; page++) {
    const listed = await m.listResults({ ...filter, limit: 20, cursor });
    got.push(...listed.results.map((r) => r.id));
    cursor = listed.nextCursor ?? undefined;
  }
  return got;
}

/**
 * A WAL file as tasklane's schema `version` left it, for a migration test: the migrations up to
 * that version, then `fill`'s rows and their counts, in one transaction.
 */
export function fileAtVersion(path: string, version: number, fill: (raw: Database.Database) => void): void {
  const raw = new Database(path);
  raw.pragma("journal_mode = WAL");
  for (let v = 0; v < version; v++) raw.exec(MIGRATIONS[v] as string);
  raw.pragma(`user_version = ${version}`);
  raw.transaction(() => {
    fill(raw);
    fillCounts(raw);
  })();
  raw.close();
}

/** One row of a migration test's file: what varies; the rest follows from its number and status. */
export interface FileRow {
  i: number;
  status: TaskResultStatus;
  queue: string;
  enqueuedAt: number;
  dueAt: number;
  finishedAt: number | null;
  errors?: string;
}

/**
 * Writes rows into an old-version file (fileAtVersion's `fill`) as tasklane would have left them:
 * id and task (5 of them, in runs of 3) from the row's number; started and attempted once unless
 * READY; RUNNING ones held by worker "live" with a lease 10 minutes past `now`.
 */
export function fileRowWriter(raw: Database.Database, now: number): (row: FileRow) => void {
  const insert = raw.prepare(`INSERT INTO tasklane_results (id, task_name, status, queue_name, due_at,
    enqueued_at, started_at, finished_at, attempts, worker_id, worker_ids, lease_expires_at, errors)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  return ({ i, status, queue, enqueuedAt, dueAt, finishedAt, errors = "[]" }) => {
    const running = status === "RUNNING";
    const ran = running || finishedAt !== null;
    insert.run(
      `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
      `t${Math.floor(i / 3) % 5}`,
      status,
      queue,
      dueAt,
      enqueuedAt,
      ran ? enqueuedAt + 10 : null,
      finishedAt,
      ran ? 1 : 0,
      running ? "live" : null,
      running ? '["live"]' : "[]",
      running ? now + 600_000 : null,
      errors,
    );
  };
}
