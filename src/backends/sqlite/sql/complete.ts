// Completions. Outcomes apply only to the holder's RUNNING row on the same run: a task
// recovered from a worker presumed dead (and maybe claimed again, even by that same worker) is
// never overwritten by that worker's earlier run finishing late.

// Rows are addressed by seq (the rowid: one B-tree descent) when the claim that handed them out
// is known, else by id (the id index, then the rowid).
const HELD = "WHERE seq = @seq AND status = 'RUNNING' AND worker_id = @workerId AND attempts = @attempt";
const APPEND_ERROR = "errors = CASE WHEN @error IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(@error)) END";

// A unique task held "while READY or RUNNING" gives its key up when it ends ("period" holds
// keep theirs until unique_until; a retry goes back to READY and keeps it).
export const RELEASE_ACTIVE = "unique_hold = CASE WHEN unique_scope = 'active' THEN NULL ELSE unique_hold END";

export const SUCCEED = `UPDATE tasklane_results SET status = 'SUCCEEDED', finished_at = @finishedAt,
  return_value = @returnValue, worker_id = NULL, lease_expires_at = NULL, ${RELEASE_ACTIVE} ${HELD}`;
export const FAIL = `UPDATE tasklane_results SET status = 'FAILED', finished_at = @finishedAt, ${APPEND_ERROR},
  worker_id = NULL, lease_expires_at = NULL, ${RELEASE_ACTIVE} ${HELD}`;
export const RETRY = `UPDATE tasklane_results SET status = 'READY', run_after = @retryAt, due_at = @retryAt, ${APPEND_ERROR},
  worker_id = NULL, lease_expires_at = NULL ${HELD}`;
