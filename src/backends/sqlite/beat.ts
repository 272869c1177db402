import type BetterSqlite3 from "better-sqlite3";
import { EXTEND_LEASES, HEARTBEAT } from "./sql/workers.js";
import type { Statements } from "./statements.js";

/**
 * One heartbeat, as an immediate write transaction: the worker's registration says it is alive
 * and the leases of the tasks it holds run a whole lease from `now`. Shared by the store (the
 * fallback beat on the worker's own event loop) and the heartbeat thread, which opens its own
 * connection and so loads none of the rest of the store (a lighter thread, started sooner).
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
