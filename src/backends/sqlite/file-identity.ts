import { statSync } from "node:fs";
import { StoreGone } from "../../core/errors.js";

// An open SQLite connection keeps using its file after the path stops naming it: deleted
// (`rm -rf .tasks` to start over) or replaced (a backup restored over it, a file moved in). A
// process left on it uses a file nothing else sees any more: a worker never sees the tasks
// enqueued into the new file, an app's enqueues go where no worker looks. So each notes which
// file the path named when it opened it (device and inode) and compares now and then: a worker
// on each heartbeat (it then stops, worker-store.ts), an app at most once a second (it then
// opens the path again, backend.ts). One stat each time.

/** "dev:ino" of the file at `path`; null when there is none; undefined when it cannot be told (no access). */
export function fileIdentity(path: string): string | null | undefined {
  try {
    const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
    return stat ? `${stat.dev}:${stat.ino}` : null;
  } catch {
    return undefined;
  }
}

/**
 * Throws StoreGone when `path` no longer names the file whose identity was noted, or (given
 * `notedLog`, noted while this process held the file open) when its write-ahead log was
 * deleted or replaced: SQLite never removes the -wal of a database a connection holds open, so
 * only someone else did (cleaning "stray" files). Commits since the last checkpoint then live
 * only in the deleted log this process still writes to.
 */
export function checkSameFile(path: string, noted: string, notedLog: string | null = null): void {
  const now = fileIdentity(path);
  if (now !== noted && now !== undefined) {
    throw new StoreGone(
      now === null
        ? `database ${path} was deleted while this worker ran (it kept serving the deleted file, which nothing else sees); start the worker again to serve a new one`
        : `database ${path} was replaced by another file while this worker ran (re-created, moved or restored); start the worker again to serve the file there now`,
    );
  }
  if (notedLog === null) return;
  const log = fileIdentity(`${path}-wal`);
  if (log === notedLog || log === undefined) return;
  throw new StoreGone(
    `database ${path}: its write-ahead log ${path}-wal was deleted or replaced while this worker ran (never delete the -wal and -shm files of a database in use: recent writes live there); stop every process using the database, then start the worker again, and run \`tasks check\``,
  );
}
