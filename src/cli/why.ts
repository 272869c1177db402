import type { Diagnosis } from "../contract/diagnosis.js";
import type { ManagementStore, WorkerInfo } from "../contract/management.js";
import { ago, backendArg, oneLineError } from "../ui/text/format.js";

/** One reason a result is where it is, with the facts that show it. */
export interface Reason {
  code:
    | "finished"
    | "scheduled"
    | "retry-backoff"
    | "paused"
    | "queue-concurrency"
    | "queue-rate"
    | "key-concurrency"
    | "unique-held"
    | "no-worker"
    | "holder-gone"
    | "running"
    | "not-registered"
    | "in-line"
    | "next";
  summary: string;
  evidence: string[];
}

/** Whether a worker's queue description ("default,emails", "*", "* except slow") takes this queue. */
export function servesQueue(worker: WorkerInfo, queue: string): boolean {
  const queues = worker.queues.trim();
  if (queues === "*") return true;
  const except = /^\* except (.*)$/.exec(queues);
  if (except) return !(except[1] ?? "").split(",").includes(queue);
  return queues.split(",").includes(queue);
}

const describeWorker = (w: WorkerInfo, now: number) =>
  `${w.id} on ${w.hostname} (pid ${w.pid}) takes ${w.queues}; ${w.state}, last heartbeat ${ago(w.lastHeartbeatAt, now)}`;

/**
 * Why a result is not running or not finishing, from the facts the backend reported: the
 * reasons that apply, most decisive first. `registered` is the task names of the config the
 * command loaded (the workers' config, as far as this process can tell).
 */
export function reasonsFor(d: Diagnosis, registered: ReadonlySet<string>, now = Date.now()): Reason[] {
  const r = d.result;
  const reasons: Reason[] = [];
  const live = d.workers.filter((w) => w.state === "running");
  const q = d.queue;

  // A result without a task name lost its data (an evicted Redis job): there is nothing to run
  // again, and no name to look for in the config; its error says what happened.
  const named = r.taskName !== "";
  if (r.status === "SUCCEEDED" || r.status === "FAILED" || r.status === "CANCELLED") {
    const last = r.errors.at(-1);
    reasons.push({
      code: "finished",
      summary: `it has finished: ${r.status}${r.finishedAt ? ` ${ago(r.finishedAt, now)}` : ""}`,
      evidence: [
        `${r.workerIds.length} attempt(s) of ${r.maxAttempts} allowed`,
        ...(r.status === "FAILED" && last ? [`last error: ${oneLineError(last, r.id)}`] : []),
        ...(r.status === "FAILED" && named ? [`\`tasks retry ID${backendArg(r.backend)}\` runs it again`] : []),
      ],
    });
  }
  if (named && !registered.has(r.taskName)) {
    reasons.push({
      code: "not-registered",
      summary: `task "${r.taskName}" is not registered in this config: a worker loading it would fail the task (TaskNotFound)`,
      evidence: [`registered tasks: ${[...registered].sort().join(", ") || "(none)"}`],
    });
  }
  if (r.status === "RUNNING") {
    const holderId = r.workerIds.at(-1);
    const holder = d.workers.find((w) => w.id === holderId);
    const lease = d.leaseExpiresAt
      ? `its lease expires ${ago(d.leaseExpiresAt, now)} (${d.leaseExpiresAt.toISOString()})`
      : "";
    if (holder?.state !== "running") {
      reasons.push({
        code: "holder-gone",
        summary: `the worker holding it (${holderId ?? "?"}) is ${holder ? holder.state : "unknown"}: it is recovered once its lease runs out`,
        evidence: [...(holder ? [describeWorker(holder, now)] : []), ...(lease ? [lease] : [])],
      });
    } else {
      // Live though its lease ran out: the backend found it alive some other way (sqlite: it
      // holds its liveness lock), so nobody takes the task back while it runs.
      const silent =
        d.leaseExpiresAt && d.leaseExpiresAt.getTime() < now
          ? [
              "its worker is alive though silent (it still holds its liveness lock; a synchronous task may be blocking its event loop): the task is not taken back while it runs",
            ]
          : [];
      reasons.push({
        code: "running",
        summary: `it is running on ${holder.id}, attempt ${r.workerIds.length} of ${r.maxAttempts}, started ${ago(r.lastAttemptedAt, now)}`,
        evidence: [
          describeWorker(holder, now),
          ...(lease ? [lease] : []),
          ...silent,
          ...(r.timeoutMs ? [`it times out after ${r.timeoutMs} ms`] : []),
        ],
      });
    }
  }
  if (r.status !== "READY") return reasons;

  if (r.runAfter && r.runAfter.getTime() > now) {
    const retry = r.errors.length > 0;
    reasons.push({
      code: retry ? "retry-backoff" : "scheduled",
      summary: `${retry ? "it waits out its retry backoff" : "it is scheduled"}: due ${ago(r.runAfter, now)} (${r.runAfter.toISOString()})`,
      evidence: retry
        ? [
            `attempt ${r.workerIds.length} of ${r.maxAttempts} failed: ${oneLineError(r.errors.at(-1) ?? { exceptionClass: "", message: "" }, r.id)}`,
          ]
        : [`enqueued ${ago(r.enqueuedAt, now)} with runAfter`],
    });
  }
  if (q.paused) {
    reasons.push({
      code: "paused",
      summary: `queue "${q.name}" is paused${q.pausedAt ? ` since ${ago(q.pausedAt, now)}` : ""}: no worker starts its tasks`,
      evidence: [`\`tasks resume ${q.name}${backendArg(r.backend)}\` lets workers take them again`],
    });
  }
  const holders = q.runningHolders.map((h) => `${h.id} (worker ${h.workerId ?? "?"})`);
  if (q.limits?.concurrency !== undefined && q.running >= q.limits.concurrency) {
    reasons.push({
      code: "queue-concurrency",
      summary: `queue "${q.name}" is at its concurrency limit: ${q.running} of ${q.limits.concurrency} running`,
      evidence: holders.length ? [`running: ${holders.join(", ")}`] : [],
    });
  }
  if (q.limits?.rate && q.rateUsed !== null && q.rateUsed >= q.limits.rate.limit) {
    reasons.push({
      code: "queue-rate",
      summary: `queue "${q.name}" used its ${q.limits.rate.limit} starts per ${q.limits.rate.periodMs} ms`,
      evidence: q.rateWindowEndsAt ? [`the next window opens ${ago(q.rateWindowEndsAt, now)}`] : [],
    });
  }
  if (d.key && d.key.runningIds.length >= d.key.limit) {
    reasons.push({
      code: "key-concurrency",
      summary: `key "${d.key.key}" is at its limit: ${d.key.runningIds.length} of ${d.key.limit} running`,
      evidence: [`held by: ${d.key.runningIds.join(", ")}`],
    });
  }
  if (d.unique && d.unique.holderId !== null && d.unique.holderId !== r.id) {
    reasons.push({
      code: "unique-held",
      summary: `its unique key "${d.unique.key}" is held by another result, ${d.unique.holderId}`,
      evidence: ["a new enqueue of this key returns that result instead (deduplicated)"],
    });
  }
  const serving = live.filter((w) => servesQueue(w, q.name));
  if (serving.length === 0) {
    reasons.push({
      code: "no-worker",
      summary: `no live worker takes queue "${q.name}"`,
      evidence: live.length
        ? live.map((w) => describeWorker(w, now))
        : [`no worker is running: start one with \`tasks worker${backendArg(r.backend)}\``],
    });
  }
  if (reasons.length === 0) {
    reasons.push(
      q.dueAhead > 0
        ? {
            code: "in-line",
            summary: `it waits its turn: ${q.dueAhead} due task(s) of queue "${q.name}" come first (higher priority or older)`,
            evidence: serving.map((w) => describeWorker(w, now)),
          }
        : {
            code: "next",
            summary: `it is next in queue "${q.name}": a worker takes it at its next claim`,
            evidence: serving.map((w) => describeWorker(w, now)),
          },
    );
  }
  return reasons;
}

/** Reasons that keep a task from starting however long one waits, until somebody acts. */
const STALLING = new Set<Reason["code"]>(["not-registered", "paused", "no-worker"]);

/** A reason on one line: its summary, then its evidence in parentheses. */
export function reasonLine(reason: Reason): string {
  return reason.evidence.length ? `${reason.summary} (${reason.evidence.join("; ")})` : reason.summary;
}

/**
 * What `tasks why` would say first of a result, for `enqueue --wait`: `stallingOnly` keeps only a
 * reason that holds the task back until somebody acts (no worker for its queue, a paused queue).
 * Undefined when the backend cannot diagnose, or the diagnosis itself fails: the caller's own
 * message stands without it.
 */
export async function firstReason(
  manage: ManagementStore | null,
  id: string,
  registered: ReadonlySet<string>,
  stallingOnly = false,
): Promise<Reason | undefined> {
  if (!manage?.diagnose) return undefined;
  const diagnosis = await manage.diagnose(id).catch(() => undefined);
  if (!diagnosis) return undefined;
  const reasons = reasonsFor(diagnosis, registered);
  return stallingOnly ? reasons.find((r) => STALLING.has(r.code)) : reasons[0];
}
