import { ALL_STATUSES, TaskResult } from "../../core/result.js";
import { ago, lastAttemptTime, shortId } from "../text/format.js";
import { shownStatus } from "../text/status.js";
import { bold, colourStatus, dim, red, yellow } from "../text/style.js";
import { renderTable } from "../text/table.js";
import { count, sparkline } from "./format.js";
import {
  type BackendInfo,
  describeFilters,
  noResultsText,
  noWorkerHint,
  shownWorkers,
  type WatchFilters,
  type WatchSnapshot,
  workerHealth,
} from "./snapshot.js";
import { oldestDue } from "./tab-tables.js";

/** The snapshot `tasks watch --once` (or without a TTY) prints: counts, throughput, workers, queues, results. */
export function renderPlainSnapshot(s: WatchSnapshot, backend: BackendInfo, filters: WatchFilters): string {
  const now = s.takenAt.getTime();
  const out: string[] = [];
  out.push(
    `${bold("tasklane")} · ${backend.kind} ${backend.alias} · ${backend.location} · ${s.takenAt.toISOString()}`,
    "",
  );
  out.push(`Counts      ${ALL_STATUSES.map((st) => `${colourStatus(st)} ${count(s.counts[st])}`).join("  ")}`);
  const total = s.throughput.reduce((a, b) => a + b, 0);
  out.push(
    `Throughput  ${sparkline(s.throughput)}  ${count(total)} finished in the last ${s.throughput.length} min (${count(s.throughput.at(-1) ?? 0)} in the last minute)`,
  );
  const workers = shownWorkers(s.workers, backend.heartbeatMs, now);
  const live = workers.filter((w) => w.health === "live").length;
  const hint = noWorkerHint(live, s.counts.READY, backend.alias);
  out.push(
    `Workers     ${live} live${workers.length > live ? `, ${workers.length - live} not responding` : ""}${hint ? ` (${yellow(hint)})` : ""}`,
  );
  if (workers.length > 0) {
    const rows = workers.map(({ worker: w, health }) => [
      w.id,
      health === "live" ? health : red(health.toUpperCase()),
      ago(w.lastHeartbeatAt, now),
      w.queues,
      `${w.hostname}:${w.pid}`,
    ]);
    out.push(indent(renderTable(["ID", "STATE", "HEARTBEAT", "QUEUES", "HOST:PID"], rows)));
  }
  out.push("", bold("Queues"));
  if (s.queues.length === 0) out.push(dim("  no tasks yet"));
  else {
    const rows = s.queues.map((q) => [
      q.queueName,
      count(q.counts.READY),
      count(q.counts.RUNNING),
      count(q.counts.FAILED),
      count(q.counts.SUCCEEDED),
      ago(oldestDue(q), now),
      q.paused ? yellow("paused") : q.paused === false ? "active" : "",
    ]);
    // OLDEST DUE: how long the longest-waiting due task has waited (deferred ones are not late).
    out.push(indent(renderTable(["QUEUE", "READY", "RUNNING", "FAILED", "SUCCEEDED", "OLDEST DUE", "STATE"], rows)));
  }
  const filter = describeFilters(filters);
  out.push("", `${bold("Recent results")} ${dim(`newest first${filter ? ` · ${filter}` : ""}`)}`);
  if (s.results.length === 0) out.push(dim(`  ${noResultsText(filters, s.filterHint)}`));
  else {
    const rows = s.results.map((r) => [
      shortId(r.id),
      r.taskName,
      colourStatus(shownStatus(r, now)),
      r.queueName,
      ago(r.enqueuedAt, now),
      lastAttemptTime(r),
      `${r.workerIds.length}/${r.maxAttempts}`,
    ]);
    out.push(indent(renderTable(["ID", "TASK", "STATUS", "QUEUE", "AGE", "DURATION", "ATTEMPTS"], rows)));
    if (s.hasMore) out.push(dim(`  (showing ${s.results.length}; more with --limit)`));
  }
  return out.join("\n");
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");

/** The `--json` snapshot: dates as ISO strings, results in the API's TaskResult shape. */
export function snapshotToJson(s: WatchSnapshot, backend: BackendInfo, filters: WatchFilters): Record<string, unknown> {
  const now = s.takenAt.getTime();
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    backend: { alias: backend.alias, kind: backend.kind, location: backend.location },
    takenAt: s.takenAt.toISOString(),
    filters: { statuses: filters.statuses, queues: filters.queues, task: filters.taskText || null },
    counts: s.counts,
    queues: s.queues.map((q) => ({
      queueName: q.queueName,
      counts: q.counts,
      oldestReadyAt: iso(q.oldestReadyAt),
      oldestDueAt: iso(oldestDue(q)),
      paused: q.paused ?? null,
    })),
    workers: s.workers.map((w) => {
      const health = workerHealth(w, backend.heartbeatMs, now);
      return {
        ...w,
        startedAt: iso(w.startedAt),
        lastHeartbeatAt: iso(w.lastHeartbeatAt),
        stale: health === "stale" || health === "dead",
      };
    }),
    throughput: { minutes: s.throughput.length, perMinute: s.throughput },
    results: s.results.map((r) => new TaskResult(r).toJSON()),
    hasMore: s.hasMore,
  };
}
