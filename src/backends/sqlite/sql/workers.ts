// The worker registry and leases. A heartbeat marks its worker alive and extends the leases
// of the tasks it holds (through the small RUNNING index).

export const REGISTER_WORKER = `INSERT INTO tasklane_workers
  (id, hostname, pid, queues, started_at, last_heartbeat_at, state, stopped_at)
  VALUES (@id, @hostname, @pid, @queues, @startedAt, @now, 'running', NULL)
  ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, queues = excluded.queues,
  started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at, state = 'running', stopped_at = NULL`;
// A heartbeat also revives a worker presumed dead (it was only slow): the registry then tells
// the truth again, while the tasks it lost stay with whoever recovered them.
export const HEARTBEAT = `UPDATE tasklane_workers SET last_heartbeat_at = @now, state = 'running', stopped_at = NULL
  WHERE id = @workerId AND state <> 'stopped'`;
export const EXTEND_LEASES = `UPDATE tasklane_results SET lease_expires_at = @leaseExpiresAt
  WHERE status = 'RUNNING' AND worker_id = @workerId`;
export const STOP_WORKER = "UPDATE tasklane_workers SET state = 'stopped', stopped_at = @now WHERE id = @workerId";
