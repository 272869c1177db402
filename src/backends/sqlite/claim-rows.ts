import { type ClaimControls, windowStart } from "./controlled-claim.js";
import { type ClaimedRow, compareClaimOrder, type ResultRow } from "./rows.js";
import { CLAIM_ONE, CLAIM_ROWS, CLAIM_SELECT, CLAIMED_ROW } from "./sql/claim.js";
import { COUNT_STARTS } from "./sql/controls.js";
import type { Statements } from "./statements.js";

// The claim's row work inside the store's BEGIN IMMEDIATE (store.ts decides which queues and
// how many; controlled-claim.ts plans a claim under limits): pick the best due rows, move them
// to RUNNING one by one, count the starts in rate windows.

type Candidate = Pick<ResultRow, "seq" | "priority" | "due_at" | "enqueued_at">;

export interface ClaimParams {
  workerId: string;
  now: number;
  leaseExpiresAt: number;
}

/**
 * The claim without limits: each queue's best `limit` candidates through its index, merged
 * here when there are several (k short index walks instead of one sort of every due task of
 * k queues), then the chosen rows claimed. From one queue (a worker bound to it, or `*` when
 * one queue has READY work) the candidates are read whole and claimed as read (claimRead);
 * from several, their keys only (covering), and the rows claimed are read back.
 */
export function plainClaim(
  q: Statements,
  queues: readonly string[],
  params: ClaimParams & { limit: number },
): ClaimedRow[] {
  const { now, limit } = params;
  if (queues.length === 1) {
    return claimRead(q, q.arrays<ClaimedRow>(CLAIM_ROWS).all({ queue: queues[0], now, limit }), params);
  }
  const candidates: Candidate[] = [];
  const select = q.get<Candidate>(CLAIM_SELECT);
  for (const queue of queues) candidates.push(...select.all({ queue, now, limit }));
  candidates.sort(compareClaimOrder);
  return claimSeqs(
    q,
    candidates.slice(0, limit).map((c) => c.seq),
    params,
  );
}

/**
 * Claims READY rows already read (CLAIM_ROWS), one rowid UPDATE each, and sets in each the
 * columns that UPDATE changed (sql/claim.ts CLAIM_SET), so it reads as the row now stands.
 */
function claimRead(q: Statements, rows: ClaimedRow[], params: ClaimParams): ClaimedRow[] {
  const claim = q.get(CLAIM_ONE);
  const { workerId, now, leaseExpiresAt } = params;
  const claimed: ClaimedRow[] = [];
  const id = JSON.stringify(workerId);
  for (const row of rows) {
    // Inside the claim's write transaction nothing else changes the row: this holds, but the
    // UPDATE's own check is kept (as claimSeqs keeps it).
    if (claim.run({ workerId, now, leaseExpiresAt, seq: row[0] }).changes === 0) continue;
    row[3] = "RUNNING"; // status
    row[9] ??= now; // started_at = coalesce(started_at, now)
    row[11] = now; // last_attempted_at
    // worker_ids = json_insert(worker_ids, '$[#]', workerId): the id appended to the array's text.
    const ids = row[12].slice(1, -1).trim();
    row[12] = ids === "" ? `[${id}]` : `[${ids},${id}]`;
    claimed.push(row);
  }
  return claimed;
}

/**
 * Claims these READY rows, one rowid UPDATE each (see sql/claim.ts), and reads them back in
 * the order given (both planners give claim order); a row no longer READY is skipped.
 */
export function claimSeqs(q: Statements, seqs: readonly number[], params: ClaimParams): ClaimedRow[] {
  const claim = q.get(CLAIM_ONE);
  const read = q.arrays<ClaimedRow>(CLAIMED_ROW);
  const { workerId, now, leaseExpiresAt } = params;
  const rows: ClaimedRow[] = [];
  for (const seq of seqs) {
    if (claim.run({ workerId, now, leaseExpiresAt, seq }).changes === 0) continue;
    const row = read.get(seq);
    if (row) rows.push(row);
  }
  return rows;
}

/** Counts claimed starts in their queues' rate windows. */
export function countStarts(
  q: Statements,
  limits: ClaimControls["limits"],
  starts: ReadonlyMap<string, number>,
  now: number,
): void {
  for (const [queue, n] of starts) {
    const periodMs = limits[queue]?.rate?.periodMs ?? 1;
    q.get(COUNT_STARTS).run({ queue, start: windowStart(now, periodMs), n });
  }
}
