import { Text } from "ink";
import type { TableModel } from "./columns.js";
import { DetailView, GroupView } from "./DetailView.js";
import type { Derived } from "./derive.js";
import { QueuesPanel } from "./QueuesPanel.js";
import { ResultsList } from "./ResultsList.js";
import { ScrollText } from "./ScrollText.js";
import { Table } from "./Table.js";
import { errorsTable, queuesTable, retriesTable, scheduledTable, schedulesTable, workersTable } from "./tab-tables.js";
import { TASK_NAME_FILTER_TABS, type TabId } from "./tabs.js";
import type { ViewState } from "./view.js";

export interface TabViewProps {
  view: ViewState;
  d: Derived;
  columns: number;
  /** The backend has no data for the tabs beyond the overview. */
  noPanels: boolean;
}

interface TabSpec {
  title: string;
  note: string;
  /** What an empty list means (with no `/` filter). */
  empty: string;
  model(d: Derived): TableModel | null;
}

const SPECS: Record<Exclude<TabId, "overview">, TabSpec> = {
  queues: {
    title: "QUEUES",
    note: "⏎ its results · P pause/resume",
    empty: "no queues yet",
    model: (d) => (d.items.queues ? queuesTable(d.items.queues, d.now) : null),
  },
  scheduled: {
    title: "SCHEDULED",
    note: "deferred, due soonest first",
    empty: "no deferred task",
    model: (d) => (d.items.scheduled ? scheduledTable(d.items.scheduled, d.now) : null),
  },
  retries: {
    title: "RETRIES",
    note: "failed, to run again, next try first",
    empty: "no task waiting to retry",
    model: (d) => (d.items.retries ? retriesTable(d.items.retries, d.now) : null),
  },
  errors: {
    title: "ERRORS",
    note: "failures by cause, latest first",
    empty: "no failures",
    model: (d) => (d.items.errors ? errorsTable(d.items.errors, d.now) : null),
  },
  workers: {
    title: "WORKERS",
    note: "live first",
    empty: "no live worker: start one with tasks worker",
    model: (d) => (d.items.workers ? workersTable(d.items.workers, d.now) : null),
  },
  schedules: {
    title: "SCHEDULES",
    note: "cron, enqueued by the workers",
    empty: "no schedules: declare them in tasks.config.ts (schedules: { … })",
    model: (d) => (d.items.schedules ? schedulesTable(d.items.schedules, d.now) : null),
  },
};

function filterText(view: ViewState): string {
  const text = view.texts[view.tab] ?? "";
  if (!text) return "";
  return TASK_NAME_FILTER_TABS.includes(view.tab) ? `task:${text}` : `filter:${text}`;
}

/** The body under the tab bar: the active tab's list, or the detail or help view over it. */
export function TabView({ view, d, columns, noPanels }: TabViewProps) {
  const { layout } = d;
  if (view.mode === "help") {
    const scroll = Math.min(view.helpScroll, Math.max(0, d.lines.length - layout.detailRows));
    return <ScrollText heading={<Text bold>KEYS</Text>} lines={d.lines} scroll={scroll} rows={layout.detailRows} />;
  }
  const inDetail = view.mode === "detail" || (view.mode === "confirm" && view.confirm?.from === "detail");
  if (inDetail && (d.detailResult || d.detailGroup)) {
    const scroll = Math.min(view.detailScroll, Math.max(0, d.lines.length - layout.detailRows));
    const common = { lines: d.lines, scroll, rows: layout.detailRows, stale: !d.detailFresh };
    return d.detailResult ? (
      <DetailView result={d.detailResult} {...common} />
    ) : d.detailGroup ? (
      <GroupView group={d.detailGroup} {...common} />
    ) : null;
  }
  if (view.tab === "overview") {
    return (
      <>
        <QueuesPanel queues={d.snapshot?.queues ?? []} maxRows={layout.queueRows} now={d.now} columns={columns} />
        <ResultsList
          results={d.snapshot?.results ?? []}
          hasMore={d.snapshot?.hasMore ?? false}
          cursor={view.cursor}
          top={view.top}
          rows={layout.resultRows}
          columns={columns}
          filters={view.filters}
          filterHint={d.snapshot?.filterHint}
          now={d.now}
          loading={d.snapshot === null}
          selected={view.selected}
        />
      </>
    );
  }
  const spec = SPECS[view.tab];
  const model = spec.model(d);
  const filter = filterText(view);
  const needsPanel = view.tab !== "queues" && view.tab !== "workers";
  const empty =
    noPanels && needsPanel
      ? "not available on this backend"
      : model === null
        ? "loading…"
        : filter
          ? "nothing matches"
          : spec.empty;
  return (
    <Table
      model={model ?? { columns: [], rows: [] }}
      title={{ title: spec.title, note: spec.note, filter, hasMore: d.panelHasMore }}
      cursor={view.cursor}
      top={view.top}
      rows={layout.listRows}
      columns={columns}
      selected={view.selected}
      empty={empty}
    />
  );
}
