import type BetterSqlite3 from "better-sqlite3";
import { EXTEND_LEASES, HEARTBEAT } from "./sql/workers.js";
import type { Statements } from "./statements.js";

/**
 * One heartbeat, as an immediate write transaction: the worker's registration says it is alive
 * and the leases of the tasks it holds run a whole lease from `now`. The worker store runs it on
 * the worker's event loop, waiting for another process's lock asynchronously (worker-store.ts).
 */
export function heartbeatWriter(
  db: BetterSqlite3.Database,
  statements: Statements,
  leaseMs: number,
): (workerId: string, now: number) => void {
  const beat = db.transaction((workerId: string, now: number) => {
    statements.get(HEARTBEAT).run({ workerId, now });
    statements.get(EXTEND_LEASES).run({ workerId, leaseExpiresAt: now + leaseMs });
  });
  return (workerId, now) => beat.immediate(workerId, now);
}
