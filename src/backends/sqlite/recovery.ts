import type Database from "better-sqlite3";

// Crash recovery. A claim gives the worker a lease (lease_expires_at = claim + leaseMs) and
// every heartbeat extends the leases of the tasks it holds. A RUNNING row whose lease ran out
// belongs to a worker that stopped heartbeating (killed, crashed, frozen): any live worker puts
// it back to READY if it has attempts left, else ends it FAILED. Either way the lost attempt
// is recorded as a WorkerLost error. One UPDATE inside BEGIN IMMEDIATE: two workers recovering
// at once are serialised by SQLite's write lock, and the second finds nothing left to take.

const LOST = (reason: string) => `
  status = CASE WHEN attempts < max_attempts THEN 'READY' ELSE 'FAILED' END,
  due_at = CASE WHEN attempts < max_attempts THEN @now ELSE due_at END,
  finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE @now END,
  errors = json_insert(errors, '$[#]', json_object(
    'exceptionClass', 'WorkerLost',
    'message', 'worker ' || worker_id || ' ${reason}',
    'traceback', 'WorkerLost: worker ' || worker_id || ' ${reason}')),
  worker_id = NULL, lease_expires_at = NULL`;

const RECOVER_EXPIRED = `UPDATE tasklane_results SET ${LOST("stopped heartbeating while running this task (its lease expired)")}
  WHERE status = 'RUNNING' AND lease_expires_at < @now RETURNING id, status`;

const RECOVER_OWN = `UPDATE tasklane_results SET ${LOST("restarted while running this task")}
  WHERE status = 'RUNNING' AND worker_id = @workerId RETURNING id, status`;

const MARK_DEAD = `UPDATE tasklane_workers SET state = 'dead', stopped_at = @now
  WHERE state = 'running' AND last_heartbeat_at < @staleBefore`;

export interface Recovered {
  id: string;
  /** READY when it will run again, FAILED when it had no attempts left. */
  status: "READY" | "FAILED";
}

export class LeaseRecovery {
  readonly #expired: Database.Transaction<(now: number, staleBefore: number) => Recovered[]>;
  readonly #own: Database.Transaction<(workerId: string, now: number) => Recovered[]>;

  constructor(
    db: Database.Database,
    readonly leaseMs: number,
  ) {
    const expired = db.prepare(RECOVER_EXPIRED);
    const own = db.prepare(RECOVER_OWN);
    const markDead = db.prepare(MARK_DEAD);
    this.#expired = db.transaction((now: number, staleBefore: number) => {
      markDead.run({ now, staleBefore });
      return expired.all({ now }) as Recovered[];
    });
    this.#own = db.transaction((workerId: string, now: number) => own.all({ workerId, now }) as Recovered[]);
  }

  /** Takes back every task whose lease expired, and marks silent workers dead. */
  recoverExpired(now = Date.now()): Recovered[] {
    return this.#expired.immediate(now, now - this.leaseMs);
  }

  /**
   * A worker starting under an id that still holds RUNNING tasks is that worker restarted:
   * its leftovers are recovered at once, without waiting for their leases.
   */
  recoverOwn(workerId: string, now = Date.now()): Recovered[] {
    return this.#own.immediate(workerId, now);
  }
}
