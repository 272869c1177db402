import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { listFailureGroups } from "../cli/failure-groups.js";
import { unknownFilterHint } from "../cli/filter-hints.js";
import { backendFlag } from "../cli/flags.js";
import { loadInk } from "../cli/load-ink.js";
import { openManagement } from "../cli/management.js";
import { parseStatuses } from "../cli/parse.js";
import { scheduleState } from "../cli/schedule-state.js";
import type { ActiveConfig } from "../config/registry.js";
import type { Backend } from "../contract/backend.js";
import { type ManagementStore, type QueueCounts, type StatusCounts, zeroCounts } from "../contract/management.js";
import type { ScheduleInfo, ScheduleStore } from "../contract/schedules.js";
import { parseDuration } from "../core/durations.js";
import { UsageError } from "../core/errors.js";
import { ALL_STATUSES } from "../core/result.js";
import type { WatchActions } from "../ui/watch/actions.js";
import type { FetchPanel } from "../ui/watch/panels.js";
import {
  type BackendInfo,
  type FetchSnapshot,
  matchTaskNames,
  THROUGHPUT_MINUTES,
  type WatchFilters,
} from "../ui/watch/snapshot.js";
import { availableTabs, TAB_LABEL, type TabId } from "../ui/watch/tabs.js";

/** Same rule as Ink's is-in-ci: there, Ink prints only the final frame, so a live dashboard would stay blank. */
const inCi = () =>
  ["CI", "CONTINUOUS_INTEGRATION"].some((k) => k in process.env && !["0", "false"].includes(String(process.env[k])));

/** Totals are the sum of the per-queue counts: one counting pass per refresh instead of two. */
function totals(queues: readonly QueueCounts[]): StatusCounts {
  const counts = zeroCounts();
  for (const q of queues) for (const status of ALL_STATUSES) counts[status] += q.counts[status];
  return counts;
}

/**
 * The queues the store counts, and every queue the config declares for the backend with zero
 * counts: a store counts only queues that hold results (SQLite) or have been used, so an empty
 * declared queue could not be chosen on the Queues tab to pause it.
 */
function withDeclared(counted: QueueCounts[], declared: readonly string[], canPause: boolean): QueueCounts[] {
  const have = new Set(counted.map((q) => q.queueName));
  const missing = declared.filter((name) => !have.has(name));
  if (missing.length === 0) return counted;
  const empty = (queueName: string): QueueCounts => ({
    queueName,
    counts: zeroCounts(),
    oldestReadyAt: null,
    oldestDueAt: null,
    ...(canPause ? { paused: false } : {}),
  });
  return [...counted, ...missing.map(empty)].sort((a, b) => (a.queueName < b.queueName ? -1 : 1));
}

/** The dashboard's one data function: every ManagementStore call of one refresh. */
function snapshotFetcher(
  manage: ManagementStore,
  taskNames: readonly string[],
  limit: number,
  declaredQueues: readonly string[],
  hintFor: (queues: string[]) => string | undefined,
): FetchSnapshot {
  return async (filters: WatchFilters) => {
    const [counted, page, workers, throughput] = await Promise.all([
      manage.countByQueue(),
      manage.listResults({
        limit,
        statuses: filters.statuses,
        queues: filters.queues,
        taskNames: matchTaskNames(filters.taskText, taskNames),
      }),
      manage.workers(),
      manage.throughput(THROUGHPUT_MINUTES),
    ]);
    const queues = withDeclared(counted, declaredQueues, manage.pause !== undefined);
    return {
      takenAt: new Date(),
      counts: totals(queues),
      queues,
      workers,
      throughput,
      results: page.results,
      hasMore: page.nextCursor !== null,
      filterHint: hintFor(filters.queues),
    };
  };
}

/** The config's schedules of this backend with what the store holds, as `tasks schedules` reads them. */
async function scheduleInfos(config: ActiveConfig, alias: string, store: ScheduleStore): Promise<ScheduleInfo[]> {
  const stored = new Map((await store.list()).map((info) => [info.name, info]));
  const now = new Date();
  return config
    .schedulesOf(alias)
    .map((entry) => scheduleState(entry, stored.get(entry.name), now))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The data of the tabs beyond the overview: fetched for the active tab only. */
function panelFetcher(
  manage: ManagementStore,
  taskNames: readonly string[],
  limit: number,
  schedules: () => Promise<ScheduleInfo[]>,
): FetchPanel {
  return async (request) => {
    switch (request.tab) {
      case "scheduled":
      case "retries": {
        const page = await manage.listResults({
          limit,
          statuses: ["READY"],
          waiting: request.tab === "scheduled" ? "scheduled" : "retrying",
          taskNames: matchTaskNames(request.taskText, taskNames),
        });
        return { tab: request.tab, results: page.results, hasMore: page.nextCursor !== null };
      }
      case "errors":
        return { tab: "errors", groups: await listFailureGroups(manage, {}), canAct: Boolean(manage.failureGroupIds) };
      case "schedules":
        return { tab: "schedules", schedules: await schedules() };
    }
  };
}

/** What the dashboard can change. A retry grants each task its own attempts again, as `tasks retry` does. */
function watchActions(config: ActiveConfig, manage: ManagementStore): WatchActions {
  const attempts = Object.fromEntries([...config.tasks].map(([name, task]) => [name, task.maxAttempts]));
  const { failureGroupIds, pause, resume } = manage;
  return {
    retry: (ids) => manage.retry(ids, { attempts }),
    cancel: (ids) => manage.cancel(ids),
    groupIds: failureGroupIds ? (groupId, status) => failureGroupIds.call(manage, groupId, status, {}) : undefined,
    pauseQueue: pause && resume ? (queue) => pause.call(manage, [queue]) : undefined,
    resumeQueue: pause && resume ? (queue) => resume.call(manage, [queue]) : undefined,
  };
}

function backendInfo(backend: Backend): BackendInfo {
  const heartbeatMs = backend.options.heartbeatMs;
  return {
    alias: backend.alias,
    kind: backend.kind,
    location: backend.describeLocation(),
    heartbeatMs: typeof heartbeatMs === "number" && heartbeatMs > 0 ? heartbeatMs : 5_000,
  };
}

export default class Watch extends BaseCommand {
  static override summary =
    "Live dashboard in tabs: queues, results, scheduled, retries, errors by cause, workers, schedules";
  static override description =
    `On a terminal: refreshes every --interval, in tabs: Overview (queues and results), Queues, Scheduled (deferred tasks), Retries (waiting to run again), Errors (failures by cause), Workers, and Schedules when the backend keeps them. Keys: 1-7, ←/→ or [ ] switch tab; ↑/↓ or j/k move, PgUp/PgDn page, g/G top/bottom; Enter opens a result or failure group (↑/↓ scroll, Esc or ← back), or a queue's results; / filters the tab (Enter applies, Esc cancels); s cycles the status filter and Tab the queue filter (Overview); space marks rows, a marks all, Esc clears; R retries and C cancels the marked tasks or the selected one (on Errors: every task of the groups); P pauses or resumes the selected queue (Queues); every action asks y/n with the count first; p pauses refreshing; ? lists every key; q or Ctrl+C quits.
Without a terminal, with --once, or in CI: prints one snapshot and exits (--json for JSON).`;
  static override examples = [
    "<%= config.bin %> watch",
    "<%= config.bin %> watch --status failed --queue emails",
    "<%= config.bin %> watch --tab errors",
    "<%= config.bin %> watch --interval 500ms --limit 1000",
    "<%= config.bin %> watch --once",
    "<%= config.bin %> watch --json | jq .counts",
  ];
  static override flags = {
    backend: backendFlag,
    queue: Flags.string({ description: "Only results of this queue (repeatable)", multiple: true }),
    status: Flags.string({
      description: "Only results with this status (repeatable): READY, RUNNING, SUCCEEDED, FAILED, CANCELLED",
      multiple: true,
    }),
    interval: Flags.string({ description: "Refresh every: 1s, 500ms, or seconds", default: "1s" }),
    limit: Flags.integer({ description: "Results fetched per refresh (1–10000; default 200 live, 20 in a snapshot)" }),
    once: Flags.boolean({ description: "Print one snapshot and exit", default: false }),
    tab: Flags.string({
      description:
        "Open the live dashboard on this tab: overview, queues, scheduled, retries, errors, workers, schedules",
      default: "overview",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Watch);
    const intervalMs = parseDuration(flags.interval, {
      label: "--interval",
      bareUnit: "s",
      allowZero: true,
      minMs: 100,
    });
    const statuses = parseStatuses(flags.status) ?? [];
    if (flags.limit !== undefined && (flags.limit < 1 || flags.limit > 10_000)) {
      throw new UsageError(`--limit must be from 1 to 10000, got ${flags.limit}`);
    }
    const tab = flags.tab.trim().toLowerCase() as TabId;
    if (!Object.hasOwn(TAB_LABEL, tab)) {
      throw new UsageError(`--tab: unknown tab "${flags.tab}"; expected one of ${Object.keys(TAB_LABEL).join(", ")}`);
    }
    // Keys come from stdin: with it redirected (`< /dev/null`, a pipe) Ink cannot read them.
    const live = Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY) && !flags.once && !flags.json && !inCi();
    const limit = flags.limit ?? (live ? 200 : 20);
    const config = await this.loadConfig(flags);
    const { backend, manage } = await openManagement(config, flags.backend);
    const taskNames = [...config.tasks.keys()].sort();
    const info = backendInfo(backend);
    // The task filter matches by substring, so only an unknown queue gets a hint.
    const hintFor = (queues: string[]) => unknownFilterHint(config, flags.backend, { queues });
    const fetchSnapshot = snapshotFetcher(manage, taskNames, limit, backend.queues, hintFor);
    const filters: WatchFilters = { statuses, queues: flags.queue ?? [], taskText: "" };

    if (!live) {
      if (tab !== "overview") {
        process.stderr.write(
          `Warning: --tab ${tab} is ignored: without a terminal, in CI, or with --once or --json, watch prints the overview snapshot (the other tabs have commands of their own: tasks results, errors, schedules)\n`,
        );
      }
      const snapshot = await fetchSnapshot(filters);
      const { renderPlainSnapshot, snapshotToJson } = await import("../ui/watch/plain.js");
      if (flags.json) return this.printJson(snapshotToJson(snapshot, info, filters));
      return this.out(renderPlainSnapshot(snapshot, info, filters));
    }

    const scheduleStore = backend.schedules();
    if (tab === "schedules" && !availableTabs(scheduleStore !== null).includes(tab)) {
      throw new UsageError(`--tab schedules: backend "${backend.alias}" (${backend.kind}) keeps no schedules`);
    }
    const schedules = async () => (scheduleStore ? scheduleInfos(config, backend.alias, scheduleStore) : []);
    await runDashboard({
      backend: info,
      fetchSnapshot,
      fetchPanel: panelFetcher(manage, taskNames, limit, schedules),
      ...watchActions(config, manage),
      intervalMs,
      initialFilters: filters,
      initialTab: tab,
      taskNames,
      queueNames: backend.queues,
      hasSchedules: scheduleStore !== null,
    });
  }
}

/**
 * Renders the dashboard on the alternate screen (the shell's screen comes back on exit, as
 * with top or less) until q or Ctrl+C. Ink and React load only here.
 */
async function runDashboard(props: import("../ui/watch/WatchApp.js").WatchAppProps): Promise<void> {
  const [{ render }, React, { WatchApp }] = await loadInk(() => import("../ui/watch/WatchApp.js"));
  const out = process.stdout;
  let onScreen = true;
  const leave = () => {
    if (!onScreen) return;
    onScreen = false;
    // Clear and home first: tmux, when the window was resized meanwhile, can otherwise carry
    // alternate-screen lines above the cursor back onto the shell's screen.
    out.write("\u001b[2J\u001b[H\u001b[?1049l");
  };
  out.write("\u001b[?1049h\u001b[H");
  process.once("exit", leave);
  // Without a readable terminal on stdin there are no keys: Ctrl+C arrives as SIGINT.
  const app = render(React.createElement(WatchApp, props), { exitOnCtrlC: true, patchConsole: false });
  const onSignal = () => app.unmount();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", leave);
    leave();
  }
}
