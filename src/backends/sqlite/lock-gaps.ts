// Long work is split into short write transactions with a gap between them (prune, bulk
// retries, large enqueueMany calls). SQLite has no queue of waiting writers: another process's
// busy handler polls after sleeping 1, 2, 5, 10, 15, 20, 25 … ms, and a gap of a millisecond or
// two between back-to-back transactions is almost never where its next poll lands, so it can
// starve for hundreds of ms (measured: 530 ms with setImmediate alone). A gap at least as long as
// the transaction catches the waiter's next poll, so it waits about one batch (~10–50 ms) at worst.

/** How long to leave the write lock free after a batch that held it `heldMs` (see above). */
export function gapAfter(heldMs: number): number {
  return Math.min(50, Math.max(5, heldMs));
}

/** Resolves once `performance.now()` reaches `until` (at once, after a setImmediate, if it has). */
export function waitUntil(until: number): Promise<void> {
  const ms = until - performance.now();
  return new Promise((resolve) => (ms >= 1 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}
