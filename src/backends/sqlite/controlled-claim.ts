import type { QueueLimits } from "../../contract/queue-controls.js";
import { compareClaimOrder } from "./rows.js";
import {
  CANDIDATES_IN_QUEUE,
  type CandidateRow,
  RATE_WINDOW,
  RUNNING_IN_QUEUE,
  RUNNING_PER_KEY,
} from "./sql/controls.js";
import type { Statements } from "./statements.js";

/** The limits a claim honours: the backend's per-queue limits, and whether any task has a per-key limit. */
export interface ClaimControls {
  limits: Readonly<Record<string, QueueLimits>>;
  keyLimits: boolean;
}

export interface ControlledClaim {
  /** Rows to claim, in claim order. */
  seqs: number[];
  /** Starts per rate-limited queue, to count in its window. */
  starts: Map<string, number>;
  /** Something due was held back by a limit (the worker should wait for a change, not poll). */
  heldBack: boolean;
  /** When a rate window that held tasks back ends (epoch ms), or null. */
  windowEndsAt: number | null;
}

/** Extra candidates read per pass beyond the slots to fill: room to skip full keys without a second pass. */
const SLACK = 16;
/** Passes before giving up on filling every slot (each pass rules out the queues and keys it found full). */
const PASSES = 4;

/** The rate window of a period that contains `now`: windows are aligned, so every worker agrees on them. */
export function windowStart(now: number, periodMs: number): number {
  return Math.floor(now / periodMs) * periodMs;
}

/**
 * Chooses which due tasks to claim when limits apply, inside the claim's transaction (so its
 * counts cannot change underneath): per-queue room (concurrency left, rate window left), then
 * the candidates in claim order, skipping a queue or a key once it is full — a full key never
 * blocks the others behind it. Reads only; the caller claims the seqs and counts the starts.
 */
/** How many more tasks each limited queue of the selector may start now. */
export interface QueueRooms {
  room: Map<string, number>;
  /** Queues with a rate limit (their starts are counted). */
  rated: Set<string>;
  /** When the rate windows that are used up end. */
  windowEnds: number[];
}

/** Per limited queue claimed from: concurrency left (limit − RUNNING) and rate left in the window. */
export function queueRooms(
  q: Statements,
  queues: readonly string[],
  now: number,
  limitsByQueue: Readonly<Record<string, QueueLimits>>,
): QueueRooms {
  const room = new Map<string, number>();
  const rated = new Set<string>();
  const windowEnds: number[] = [];
  for (const [queue, limits] of Object.entries(limitsByQueue)) {
    if (!queues.includes(queue)) continue;
    let left = Number.POSITIVE_INFINITY;
    if (limits.concurrency !== undefined) {
      left = limits.concurrency - (q.pluck<number>(RUNNING_IN_QUEUE).get({ queue }) ?? 0);
    }
    if (limits.rate) {
      rated.add(queue);
      const start = windowStart(now, limits.rate.periodMs);
      const row = q.get<{ window_start: number; window_count: number }>(RATE_WINDOW).get({ queue });
      const used = row?.window_start === start ? row.window_count : 0;
      const rateLeft = limits.rate.limit - used;
      if (rateLeft <= 0) windowEnds.push(start + limits.rate.periodMs);
      left = Math.min(left, rateLeft);
    }
    room.set(queue, Math.max(0, left));
  }
  return { room, rated, windowEnds };
}

export function planControlledClaim(
  q: Statements,
  queues: readonly string[],
  limit: number,
  now: number,
  controls: ClaimControls,
  rooms: QueueRooms = queueRooms(q, queues, now, controls.limits),
): ControlledClaim {
  const { room, rated, windowEnds } = rooms;
  const fullQueues = new Set([...room].filter(([, left]) => left <= 0).map(([queue]) => queue));
  const fullKeys = new Set<string>();
  const running = new Map<string, number>();
  const taken: CandidateRow[] = [];
  const takenSeqs = new Set<number>();
  let heldBack = fullQueues.size > 0;

  for (let pass = 0; pass < PASSES && taken.length < limit; pass++) {
    const want = limit - taken.length + SLACK;
    const fetched = candidates(q, queues, fullQueues, fullKeys, now, want);
    const rows = fetched.filter((r) => !takenSeqs.has(r.seq));
    if (controls.keyLimits) countRunningKeys(q, rows, running);
    for (const row of rows) {
      if (taken.length >= limit) break;
      if (fullQueues.has(row.queue_name)) continue;
      const key = row.concurrency_key;
      if (controls.keyLimits && key !== null && row.concurrency_limit !== null) {
        if ((running.get(key) ?? 0) >= row.concurrency_limit) {
          fullKeys.add(key);
          heldBack = true;
          continue;
        }
        running.set(key, (running.get(key) ?? 0) + 1);
      }
      taken.push(row);
      takenSeqs.add(row.seq);
      const left = room.get(row.queue_name);
      if (left !== undefined) {
        room.set(row.queue_name, left - 1);
        if (left - 1 <= 0) {
          fullQueues.add(row.queue_name);
          heldBack = true;
        }
      }
    }
    if (fetched.length < want) break; // nothing more is due
  }

  const starts = new Map<string, number>();
  for (const row of taken) {
    if (rated.has(row.queue_name)) starts.set(row.queue_name, (starts.get(row.queue_name) ?? 0) + 1);
  }
  return {
    seqs: taken.sort(compareClaimOrder).map((r) => r.seq),
    starts,
    heldBack,
    windowEndsAt: windowEnds.length > 0 ? Math.min(...windowEnds) : null,
  };
}

/** Due candidates in claim order from the queues that are not full, skipping full keys. */
function candidates(
  q: Statements,
  queues: readonly string[],
  fullQueues: ReadonlySet<string>,
  fullKeys: ReadonlySet<string>,
  now: number,
  limit: number,
): CandidateRow[] {
  const keys = JSON.stringify([...fullKeys]);
  const rows: CandidateRow[] = [];
  const stmt = q.get<CandidateRow>(CANDIDATES_IN_QUEUE);
  for (const queue of queues) {
    if (!fullQueues.has(queue)) rows.push(...stmt.all({ queue, now, limit, fullKeys: keys }));
  }
  return rows.sort(compareClaimOrder).slice(0, limit);
}

/** Adds the running count of every key among the rows not counted yet. */
function countRunningKeys(q: Statements, rows: readonly CandidateRow[], running: Map<string, number>): void {
  const fresh = [
    ...new Set(rows.map((r) => r.concurrency_key).filter((k): k is string => k !== null && !running.has(k))),
  ];
  if (fresh.length === 0) return;
  for (const key of fresh) running.set(key, 0);
  for (const row of q.get<{ key: string; n: number }>(RUNNING_PER_KEY).all({ keys: JSON.stringify(fresh) })) {
    running.set(row.key, row.n);
  }
}
