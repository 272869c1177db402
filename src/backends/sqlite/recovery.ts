import type Database from "better-sqlite3";
import type { RecoveredTask, RecoveryPlan } from "../../contract/worker-store.js";
import { CountDeltas } from "./counts.js";
import type { LivenessOwner } from "./liveness.js";
import {
  FAIL_LOST,
  type LostRow,
  MARK_DEAD,
  REQUEUE_LOST,
  SELECT_EXPIRED,
  SELECT_OWN,
  SILENT_WORKER_BY_ID,
  SILENT_WORKERS,
} from "./sql/recover.js";
import { MARK_GONE } from "./sql/workers.js";
import type { Statements } from "./statements.js";

const EXPIRED = "stopped heartbeating while running this task (its lease expired)";
const RESTARTED = "restarted while running this task";
const GONE = "ended (its process is gone, seen from the same host) while running this task";

/**
 * Whether a worker is alive though silent (worker-store.ts asks its liveness lock). Asked only
 * of workers whose leases ran out.
 */
export type StillAlive = (worker: LivenessOwner) => boolean;

/**
 * Crash recovery over one connection (see sql/recover.ts). The fate of each lost attempt comes
 * from `plan`, the worker's rule for attempts left and backoff, so a recovered task waits its
 * backoff like any failed attempt and ends FAILED (WorkerLost) when it has none left.
 */
export class LeaseRecovery {
  readonly #expired: Database.Transaction<(now: number, expiredBefore: number, plan: RecoveryPlan) => RecoveredTask[]>;
  readonly #own: Database.Transaction<
    (workerId: string, now: number, why: string, plan: RecoveryPlan) => RecoveredTask[]
  >;
  readonly #gone: Database.Transaction<
    (workerId: string, procStart: string, now: number, plan: RecoveryPlan) => RecoveredTask[]
  >;

  constructor(
    db: Database.Database,
    statements: Statements,
    readonly leaseMs: number,
    /** After a transaction that made rows READY again: the store's claim must look at every queue anew. */
    onRequeued: () => void = () => {},
    /** Asked before a silent worker is marked dead or its expired tasks taken back. */
    alive: StillAlive = () => false,
  ) {
    const take = (rows: LostRow[], now: number, plan: RecoveryPlan, why: string) => {
      const counts = new CountDeltas();
      const taken = rows.flatMap((row): RecoveredTask[] => {
        const dueAt = plan({
          id: row.id,
          taskName: row.task_name,
          attempts: row.attempts,
          maxAttempts: row.max_attempts,
        });
        const params = { id: row.id, workerId: row.worker_id, now, message: `worker ${row.worker_id} ${why}` };
        if (dueAt) {
          const changed = statements
            .get(REQUEUE_LOST)
            .run({ ...params, dueAt: Math.max(now, dueAt.getTime()) }).changes;
          return changed ? [{ id: row.id, status: "READY" }] : [];
        }
        if (statements.get(FAIL_LOST).run(params).changes === 0) return [];
        counts.add(row, "FAILED", 1, now);
        return [{ id: row.id, status: "FAILED" }];
      });
      counts.flush(statements);
      if (taken.some((task) => task.status === "READY")) onRequeued();
      return taken;
    };
    this.#expired = db.transaction((now: number, expiredBefore: number, plan: RecoveryPlan) => {
      // Whether each worker asked about is dead, once per worker and pass: a probe opens a file
      // (~0.1 ms), and a silent worker holding expired leases is asked about twice below.
      const verdicts = new Map<string, boolean>();
      const dead = (id: string, known?: LivenessOwner) => {
        let verdict = verdicts.get(id);
        if (verdict === undefined) {
          const worker = known ?? statements.get<LivenessOwner>(SILENT_WORKER_BY_ID).get({ id });
          verdict = !worker || !alive(worker);
          verdicts.set(id, verdict);
        }
        return verdict;
      };
      const silent = statements.get<LivenessOwner>(SILENT_WORKERS).all({ staleBefore: expiredBefore - this.leaseMs });
      for (const worker of silent) if (dead(worker.id, worker)) statements.get(MARK_DEAD).run({ id: worker.id, now });
      const expired = statements.get<LostRow>(SELECT_EXPIRED).all({ expiredBefore });
      return take(
        expired.filter((row) => dead(row.worker_id)),
        now,
        plan,
        EXPIRED,
      );
    });
    this.#own = db.transaction((workerId: string, now: number, why: string, plan: RecoveryPlan) =>
      take(statements.get<LostRow>(SELECT_OWN).all({ workerId }), now, plan, why),
    );
    this.#gone = db.transaction((workerId: string, procStart: string, now: number, plan: RecoveryPlan) => {
      if (statements.get(MARK_GONE).run({ id: workerId, procStart, now }).changes === 0) return [];
      return take(statements.get<LostRow>(SELECT_OWN).all({ workerId }), now, plan, GONE);
    });
  }

  /**
   * Takes back every task whose lease expired before `expiredBefore` (now, less any time nobody
   * could write: see lock-outages.ts), and marks workers silent for a lease before that dead;
   * a worker that still holds its liveness lock keeps its tasks and stays running.
   */
  recoverExpired(plan: RecoveryPlan, now = Date.now(), expiredBefore = now): RecoveredTask[] {
    return this.#expired.immediate(now, expiredBefore, plan);
  }

  /**
   * A worker starting under an id that still holds RUNNING tasks is that worker restarted:
   * its leftovers are recovered at once, without waiting for their leases.
   */
  recoverOwn(workerId: string, plan: RecoveryPlan, now = Date.now()): RecoveredTask[] {
    return this.#own.immediate(workerId, now, RESTARTED, plan);
  }

  /**
   * A worker on this host whose process is gone (local-process.ts): marked dead and its tasks
   * recovered at once, in one transaction; a worker no longer registered as that process
   * (restarted meanwhile) is left alone.
   */
  recoverGone(worker: { id: string; procStart: string }, plan: RecoveryPlan, now = Date.now()): RecoveredTask[] {
    return this.#gone.immediate(worker.id, worker.procStart, now, plan);
  }
}
