import type { Statements } from "./statements.js";

/**
 * Runs code with SQLite's busy handler off on one connection: a locked database throws
 * SQLITE_BUSY at once instead of sleeping. The handler sleeps synchronously (1, 2, 5, 10… ms),
 * which would freeze a worker's event loop, and its running async tasks, while another process
 * holds the lock; the backend retries such calls with short asynchronous waits instead
 * (when-unlocked.ts).
 *
 * SQLite applies a pragma when it prepares it, and marks pragma statements run-once: each later
 * run prepares it again, and so applies it again, at ~1 µs. A first run applies nothing, so both
 * statements make theirs here. Without that, the first switch of each connection left the
 * handler on (preparing the second statement had set it last), and that connection's first
 * write under another's lock slept with the event loop frozen, up to the busy timeout.
 */
export function busySwitch(statements: Statements, busyTimeoutMs: number): <T>(fn: () => T) => T {
  const off = statements.pluck<number>("PRAGMA busy_timeout = 0");
  // A pragma takes no bound parameter; busyTimeoutMs is an integer validated by the config.
  const on = statements.pluck<number>(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  off.get();
  on.get();
  return (fn) => {
    off.get();
    try {
      return fn();
    } finally {
      on.get();
    }
  };
}
