// Completions. Outcomes apply only to the holder's RUNNING row: a task recovered from a worker
// presumed dead (and maybe claimed again) is never overwritten by that worker finishing late.

const HELD = "WHERE id = @id AND status = 'RUNNING' AND worker_id = @workerId";
const APPEND_ERROR = "errors = CASE WHEN @error IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(@error)) END";

export const SUCCEED = `UPDATE tasklane_results SET status = 'SUCCEEDED', finished_at = @finishedAt,
  return_value = @returnValue, worker_id = NULL, lease_expires_at = NULL ${HELD}`;
export const FAIL = `UPDATE tasklane_results SET status = 'FAILED', finished_at = @finishedAt, ${APPEND_ERROR},
  worker_id = NULL, lease_expires_at = NULL ${HELD}`;
export const RETRY = `UPDATE tasklane_results SET status = 'READY', run_after = @retryAt, due_at = @retryAt, ${APPEND_ERROR},
  worker_id = NULL, lease_expires_at = NULL ${HELD}`;
