/**
 * When this process could not write to the database because another connection held the lock
 * (or the disk was full: the same for every writer, so it is counted the same way).
 *
 * A lease measures time since the holder's last heartbeat, but a holder cannot heartbeat while
 * another process holds the write lock (a huge transaction, a backup, `sqlite3` left in a
 * transaction). Time nobody could write must not count against a lease, or a live worker's task
 * would be recovered and run twice. Every worker's heartbeat tries to write every heartbeatMs and
 * waits for the lock, so the time its beats spent waiting is a measure of the outages every holder
 * went through too. Recovery subtracts it (plus one heartbeat period of slack for the holders' own
 * timing) before it calls a lease expired.
 *
 * A beat still waiting for the lock counts as blocked up to now.
 * Layout: [0] start of the beat in progress (0 = none), [1] ring write position, then
 * RING pairs of (start, end) of past beats that waited.
 */
const RING = 32;
/** A beat faster than this did not wait for anyone (a normal beat takes ~1 ms). */
const WAITED_MS = 25;

export class LockOutages {
  readonly #cells = new Float64Array(2 + 2 * RING);

  /**
   * A beat (any write that must wait for the lock) starts, at epoch ms `at`; an outage still
   * open (beats failing on a full disk or still locked out, see worker-store.ts) keeps its own start.
   */
  begin(at: number): void {
    if (!((this.#cells[0] ?? 0) > 0)) this.#cells[0] = at;
  }

  /** The beat that began earlier ended (committed, or gave up) at `at`. */
  end(at: number): void {
    const started = this.#cells[0] ?? 0;
    this.#cells[0] = 0;
    if (started > 0 && at - started >= WAITED_MS) {
      const slot = (this.#cells[1] ?? 0) % RING;
      this.#cells[2 + 2 * slot] = started;
      this.#cells[3 + 2 * slot] = at;
      this.#cells[1] = slot + 1;
    }
  }

  /** Milliseconds within [since, now] during which a beat waited for the lock. */
  blockedMs(since: number, now: number): number {
    let total = 0;
    const overlap = (start: number, end: number) => Math.max(0, Math.min(end, now) - Math.max(start, since));
    for (let slot = 0; slot < RING; slot++) {
      const start = this.#cells[2 + 2 * slot] ?? 0;
      const end = this.#cells[3 + 2 * slot] ?? 0;
      if (start > 0) total += overlap(start, end);
    }
    const current = this.#cells[0] ?? 0;
    if (current > 0 && now - current >= WAITED_MS) total += overlap(current, now);
    return total;
  }
}
