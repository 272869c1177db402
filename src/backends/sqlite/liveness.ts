import { createHash } from "node:crypto";
import { unlinkSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { isStopped, ownIdentity } from "./local-process.js";
import { createPrivateFile } from "./open.js";
import { isBusy } from "./storage-errors.js";

// Whether a worker whose leases ran out is still alive, asked of the kernel rather than of its
// heartbeats. A task that blocks a worker's event loop (a long synchronous computation) stops
// its beats, so its leases run out while it is still running; recovering that task would run it
// twice. Each worker therefore holds a lock for as long as its process lives: an exclusive
// transaction on a small SQLite file of its own, `<database>-workers/<token>`. The kernel drops
// the lock (a POSIX advisory lock) when the process dies, however it dies, and a blocked event
// loop does not release it. A peer that finds the worker's leases expired tries the lock
// without waiting: busy means alive, and its tasks are left alone.
//
// This replaced a heartbeat thread per worker, which beat on while the loop was blocked: a Node
// worker thread costs ~10 MB of RSS whatever it runs (measured 42 → 52 MB for an empty one),
// a probe costs ~0.1 ms (~5 ms the first in a process) and runs only for a worker whose leases
// have run out. The thread also ran the WAL checkpoints ahead of the worker's commits; they are
// SQLite's automatic ones again. Interleaved 50k drains against the thread (4 rounds each):
// --concurrency 1 ~4% slower (3.6–4.1 s against 3.4–3.9 s), --concurrency 50 as fast, two
// processes ~10% faster (no thread taking the core the other process wants), peak RSS 10–12 MB
// lower in each.
//
// The locks are the kernel's, so this holds between processes in different pid namespaces
// (containers sharing the volume) as well; /proc (local-process.ts) only sees one namespace.
// Where no lock file can be made (a read-only folder), or a file system ignores the locks, a
// probe finds no holder and the lease decides, as it always has.

/** A held liveness lock; release() on a clean stop drops it and removes its file. */
export interface LivenessHold {
  release(): void;
}

/** What a probe found: the holder is alive, gone (its lock was free), or unknown (no lock file: the lease decides). */
export type Liveness = "alive" | "gone" | "unknown";

/** A worker as the registry has it: what names its lock, and its process. */
export interface LivenessOwner {
  id: string;
  started_at: number;
  pid: number;
  proc_key: string | null;
  proc_start: string | null;
}

/**
 * Whether a silent worker (no heartbeat for a lease) is alive all the same: it holds its lock,
 * and /proc does not show it stopped (SIGSTOP, Ctrl-Z: it may never run again, so its tasks are
 * taken back as its lease says, as for a frozen machine). Only a worker in this pid space can be
 * seen stopped.
 */
export function holdsLiveness(databasePath: string, worker: LivenessOwner): boolean {
  if (probeLiveness(databasePath, worker.id, worker.started_at) !== "alive") return false;
  const start = worker.proc_start;
  const local = start !== null && worker.proc_key !== null && worker.proc_key === ownIdentity()?.key;
  return !(local && isStopped(worker.pid, start));
}

/** The worker's lock file: per registration (id and start), so a restart under the same id holds a new one. */
function livenessPath(databasePath: string, workerId: string, startedAt: number): string {
  const token = createHash("sha256").update(`${workerId}\0${startedAt}`).digest("hex").slice(0, 32);
  return join(`${databasePath}-workers`, token);
}

/**
 * Takes the worker's lock, or returns null where none can be held (the lease alone then says
 * whether it lives). The returned hold must stay referenced: better-sqlite3 closes a connection
 * that is garbage-collected, and the lock would silently go with it.
 */
export function holdLiveness(databasePath: string, workerId: string, startedAt: number): LivenessHold | null {
  const path = livenessPath(databasePath, workerId, startedAt);
  let db: Database.Database | undefined;
  try {
    createPrivateFile(path);
    db = new Database(path, { timeout: 0, fileMustExist: true });
    // No -journal file beside it (a rollback journal is opened by BEGIN EXCLUSIVE): nothing is written.
    db.pragma("journal_mode = MEMORY");
    // Exclusive: every other connection's read or write of the file is refused until it ends.
    db.exec("BEGIN EXCLUSIVE");
  } catch {
    db?.close();
    return null;
  }
  const held = db;
  return {
    release: () => {
      if (!held.open) return;
      held.close();
      removeQuietly(path);
    },
  };
}

/**
 * Asks whether the worker registered as (`workerId`, `startedAt`) still holds its lock. Never
 * waits: a lock that is held answers at once. A lock found free belongs to a process that is
 * gone; its file is removed.
 */
export function probeLiveness(databasePath: string, workerId: string, startedAt: number): Liveness {
  const path = livenessPath(databasePath, workerId, startedAt);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0, fileMustExist: true });
  } catch {
    return "unknown"; // no lock file: an older tasklane, or a folder where none could be made
  }
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec("ROLLBACK");
  } catch (error) {
    db.close();
    return isBusy(error) ? "alive" : "unknown";
  }
  db.close();
  removeQuietly(path);
  return "gone";
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already removed by another probe, or a folder that forbids it: an empty file is left.
  }
}
