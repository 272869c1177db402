import { Box, useApp, useInput, useStdin } from "ink";
import { useEffect, useMemo, useRef, useState } from "react";
import { runEffect, type WatchActions } from "./actions.js";
import { splitPresses } from "./chunk.js";
import { type DeriveEnv, derive, type WatchData } from "./derive.js";
import { Footer } from "./Footer.js";
import { Header } from "./Header.js";
import { type Effect, initialView, type Message, reconcile, reduceKey, type ViewState } from "./keys.js";
import { type FetchPanel, panelRequest } from "./panels.js";
import { type BackendInfo, type FetchSnapshot, NO_FILTERS, registeredMatches, type WatchFilters } from "./snapshot.js";
import { TabBar } from "./TabBar.js";
import { TabView } from "./TabView.js";
import { availableTabs, TASK_NAME_FILTER_TABS, type TabId } from "./tabs.js";
import { usePolling } from "./usePolling.js";
import { useTerminalSize } from "./useTerminalSize.js";

export interface WatchAppProps extends WatchActions {
  backend: BackendInfo;
  /** Data access lives in the command; the app only calls these. */
  fetchSnapshot: FetchSnapshot;
  /** The data of the Scheduled, Retries, Errors and Schedules tabs (absent: they say "not available"). */
  fetchPanel?: FetchPanel;
  intervalMs: number;
  initialFilters?: WatchFilters;
  initialTab?: TabId;
  /** Registered task names, to show what a `/` filter matches while typing. */
  taskNames?: readonly string[];
  /** The backend's configured queues (Tab also cycles through queues seen in the data). */
  queueNames?: readonly string[];
  /** The backend keeps schedules: the Schedules tab is shown. */
  hasSchedules?: boolean;
}

/** The `tasks watch` dashboard: keeps the view state, handles keys, and lays out the panels. */
export function WatchApp(props: WatchAppProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const tabs = useMemo(() => availableTabs(props.hasSchedules === true), [props.hasSchedules]);
  const [view, setView] = useState<ViewState>(() =>
    initialView(props.initialFilters ?? NO_FILTERS, props.initialTab ?? "overview"),
  );
  // Keys may arrive faster than renders: reduce against the latest state, not the last rendered one.
  const viewRef = useRef(view);
  const update = (next: ViewState) => {
    viewRef.current = next;
    setView(next);
  };
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const query = { filters: view.filters, panel: props.fetchPanel ? panelRequest(view.tab, view.texts) : null };
  const fetchAll = async (q: typeof query): Promise<WatchData> => {
    const [snapshot, panel] = await Promise.all([
      props.fetchSnapshot(q.filters),
      q.panel && props.fetchPanel ? props.fetchPanel(q.panel) : null,
    ]);
    return { snapshot, panel };
  };
  const { data, error, refresh } = usePolling(fetchAll, { intervalMs: props.intervalMs, paused: view.paused, query });

  const last = useRef<DeriveEnv["last"]>({ result: null, group: null });
  const queueNames = useMemo(
    () => [...new Set([...(props.queueNames ?? []), ...(data?.snapshot.queues.map((q) => q.queueName) ?? [])])],
    [props.queueNames, data],
  );
  const env: DeriveEnv = {
    columns,
    rows,
    heartbeatMs: props.backend.heartbeatMs,
    tabs,
    queueNames,
    can: { pause: Boolean(props.pauseQueue && props.resumeQueue), groups: Boolean(props.groupIds) },
    last: last.current,
  };
  const d = derive(view, data, env);

  // New data, another tab, filter or page size: re-anchor the active list's cursor before this
  // frame is shown (React's "adjust state while rendering", so no frame shows it on the wrong row).
  const anchor = { data, tab: view.tab, text: view.texts[view.tab] ?? "", rows: d.pageSize };
  const [anchored, setAnchored] = useState(anchor);
  const moved = Object.entries(anchor).some(([k, v]) => anchored[k as keyof typeof anchor] !== v);
  if (d.rows && moved) {
    setAnchored(anchor);
    update(reconcile(viewRef.current, d.rows, d.pageSize));
  }

  const say = (message: Message) => {
    if (alive.current) update({ ...viewRef.current, message });
  };
  const run = (effect: Effect) => {
    if (effect.type === "quit") return exit();
    void runEffect(props, effect)
      .then(say)
      .finally(() => {
        if (alive.current) refresh();
      });
  };

  // Ink re-subscribes the handler in an effect: a key arriving before that must still see this render's data.
  const latest = useRef({ data, env, run });
  latest.current = { data, env, run };
  useInput(
    (input, key) => {
      const { data, env, run } = latest.current;
      // Keys typed faster than Ink reads arrive as one string ("jj\r"): one reduction per key,
      // each against the state (and so the tab) the previous one left.
      for (const press of splitPresses(input, key)) {
        const ctx = derive(viewRef.current, data, env).ctx;
        const { state, effect } = reduceKey(viewRef.current, press.input, press.key, ctx);
        update(state);
        if (effect) run(effect);
      }
    },
    { isActive: isRawModeSupported },
  );

  const full = view.mode === "help" || d.lines.length > 0;
  const taskFilter = TASK_NAME_FILTER_TABS.includes(view.tab);
  return (
    <Box flexDirection="column" width={columns}>
      <Header backend={props.backend} snapshot={d.snapshot} error={error} paused={view.paused} columns={columns} />
      {full ? null : <TabBar tabs={tabs} active={view.tab} columns={columns} />}
      <TabView view={view} d={d} columns={columns} noPanels={!props.fetchPanel} />
      <Footer
        mode={view.mode}
        tab={view.tab}
        tabCount={tabs.length}
        columns={columns}
        draft={view.draft}
        matches={view.mode === "filter" && taskFilter ? registeredMatches(view.draft, props.taskNames ?? []) : []}
        taskFilter={taskFilter}
        confirm={view.confirm}
        message={view.message}
      />
    </Box>
  );
}
