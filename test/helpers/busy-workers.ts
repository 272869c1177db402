import { expect } from "vitest";
import { enqueue, type Project, startWorker, type WorkerProcess } from "./project.js";

/** Two workers on the "slow" queue, each running one long `guarded` task (so each holds a lease). */
export async function twoBusyWorkers(project: Project, taskMs: number, names = ["busy-a", "busy-b"]) {
  const workers: WorkerProcess[] = [];
  const tasks: Awaited<ReturnType<typeof enqueue>>[] = [];
  for (const name of names) {
    const worker = startWorker(project, ["--queue", "slow", "--worker-id", name]);
    await worker.waitFor((e) => e.event === "started");
    const result = await enqueue(project, "guarded", [taskMs], { queueName: "slow" });
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === result.id);
    workers.push(worker);
    tasks.push(result);
  }
  return { workers, tasks };
}

/**
 * Each worker finishes its task, stops cleanly, and nothing was taken back: every task SUCCEEDED
 * on its first attempt with no error, and started once (runs.log). What a live worker's task must
 * come through whatever kept everyone from writing (a long lock, a full disk).
 */
export async function expectEachRanOnce(
  project: Project,
  workers: WorkerProcess[],
  tasks: Awaited<ReturnType<typeof enqueue>>[],
): Promise<void> {
  for (const [i, worker] of workers.entries()) {
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === tasks[i]?.id);
  }
  for (const worker of workers) worker.proc.kill("SIGTERM");
  const stoppedAt = Date.now();
  for (const [i, exited] of (await Promise.all(workers.map((w) => w.proc))).entries()) {
    // Said when it fails: how it ended (a signal: execa's SIGKILL 5 s after a stop that hung, or a
    // crash), how long after the SIGTERM, and the worker's last words.
    const how = `signal ${exited.signal ?? "none"}, ${Date.now() - stoppedAt} ms after SIGTERM; last events ${JSON.stringify(workers[i]?.events.slice(-4))}; stderr ${String(exited.stderr).slice(-400)}`;
    expect(exited.exitCode, how).toBe(0);
  }
  expect(workers.flatMap((w) => w.events).filter((e) => e.event === "recovered")).toEqual([]);
  for (const task of tasks) {
    await task.refresh();
    expect(task.status).toBe("SUCCEEDED");
    expect(task.attempts).toBe(1);
    expect(task.errors).toEqual([]);
    expect(project.runs().filter((line) => line.startsWith(`${task.id} start`))).toHaveLength(1);
  }
}
