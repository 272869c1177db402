import { readFileSync, readlinkSync } from "node:fs";

/**
 * Telling a dead worker process on this machine from a live one, at once, instead of waiting
 * for its lease. Linux only (/proc); elsewhere nothing is known and leases decide, as they
 * always do across hosts.
 *
 * A process is identified by its pid *and* its start time (field 22 of /proc/PID/stat, in clock
 * ticks since boot), so a pid the kernel handed to a new process is not mistaken for the old
 * worker. `key` names the pid space the pid belongs to (boot id + pid namespace): two workers
 * compare pids only when their keys match, so containers sharing a database file never judge
 * each other's pids.
 */
export interface ProcessIdentity {
  key: string;
  start: string;
}

let own: ProcessIdentity | null | undefined;

/** This process's identity, or null where /proc cannot tell (not Linux). */
export function ownIdentity(): ProcessIdentity | null {
  if (own !== undefined) return own;
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const namespace = readlinkSync("/proc/self/ns/pid");
    const start = startOf(process.pid);
    own = start === null ? null : { key: `${boot}/${namespace}`, start };
  } catch {
    own = null;
  }
  return own;
}

/** Fields 3 on of /proc/PID/stat (state first), or null when no such process exists. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The start time of a pid in this pid space, or null when no such process exists. */
export function startOf(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/**
 * True when the process with this pid and start time is stopped (SIGSTOP, Ctrl-Z, a debugger):
 * it holds its locks but runs nothing, and may stay so for ever.
 */
export function isStopped(pid: number, start: string): boolean {
  const fields = statFields(pid);
  return fields?.[19] === start && (fields[0] === "T" || fields[0] === "t");
}

/** True when the process that had this pid and start time no longer runs. */
export function isGone(pid: number, start: string): boolean {
  return startOf(pid) !== start;
}
