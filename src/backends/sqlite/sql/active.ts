// Unfinished rows (READY and RUNNING) live in one partial index, `*_active` (migrations.ts, v7):
// (queue_name, status DESC, priority DESC, due_at, enqueued_at). Per queue, its RUNNING rows sort
// just before its READY rows, which follow in claim order, so the entry a claim removes (the head
// of READY), the one it adds (RUNNING) and the one its completion removes sit side by side.
//
// SQLite uses a partial index only when the statement's WHERE repeats the index's condition, so
// every statement that walks it says ACTIVE as well as the status it wants.

/** The index's own condition, word for word (migrations.ts). */
export const ACTIVE = "status IN ('READY', 'RUNNING')";
/** READY rows, through `*_active`. */
export const READY_ROWS = `status = 'READY' AND ${ACTIVE}`;
/** RUNNING rows, through `*_active`. */
export const RUNNING_ROWS = `status = 'RUNNING' AND ${ACTIVE}`;
/** `FROM` the results through `*_active`, pinned so statistics never turn a walk into a sort. */
export const BY_ACTIVE = "FROM tasklane_results INDEXED BY tasklane_results_active";
