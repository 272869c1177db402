// The worker registry and leases. A heartbeat marks its worker alive and extends the leases
// of the tasks it holds (found per queue, see running.ts).

import { runningSeqs } from "./running.js";

export const REGISTER_WORKER = `INSERT INTO tasklane_workers
  (id, hostname, pid, queues, started_at, last_heartbeat_at, state, stopped_at, proc_key, proc_start)
  VALUES (@id, @hostname, @pid, @queues, @startedAt, @now, 'running', NULL, @procKey, @procStart)
  ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, queues = excluded.queues,
  started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at, state = 'running', stopped_at = NULL,
  proc_key = excluded.proc_key, proc_start = excluded.proc_start`;

/** Running workers whose pids mean something here (same boot and pid namespace), but this one. */
export const LOCAL_PEERS = `SELECT id, pid, proc_start, started_at FROM tasklane_workers
  WHERE state = 'running' AND proc_key = @key AND id <> @me AND proc_start IS NOT NULL`;

/** A worker whose process is gone: dead at once (only if it is still that process's registration). */
export const MARK_GONE = `UPDATE tasklane_workers SET state = 'dead', stopped_at = @now
  WHERE id = @id AND state = 'running' AND proc_start = @procStart`;
// A heartbeat also revives a worker presumed dead (it was only slow): the registry then tells
// the truth again, while the tasks it lost stay with whoever recovered them.
export const HEARTBEAT = `UPDATE tasklane_workers SET last_heartbeat_at = @now, state = 'running', stopped_at = NULL
  WHERE id = @workerId AND state <> 'stopped'`;
// Table pages only: lease_expires_at is in no index, so a beat costs its worker's rows, not a claim's.
// NOT INDEXED: each seq found is updated by rowid (the planner would rather scan `*_active`).
export const EXTEND_LEASES = `UPDATE tasklane_results NOT INDEXED SET lease_expires_at = @leaseExpiresAt
  WHERE seq IN (${runningSeqs("worker_id = @workerId")}) AND status = 'RUNNING' AND worker_id = @workerId`;
export const STOP_WORKER = "UPDATE tasklane_workers SET state = 'stopped', stopped_at = @now WHERE id = @workerId";
