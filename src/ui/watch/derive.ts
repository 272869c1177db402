import type { FailureGroup } from "../../contract/management.js";
import type { TaskResultData } from "../../core/result.js";
import { type DetailLine, detailLines, groupDetailLines } from "./detail.js";
import { helpLines } from "./help.js";
import { computeLayout, type Layout } from "./layout.js";
import { groupRowId, type PanelData, rowRef, type TabItems, tabItems, tabRowsOf } from "./panels.js";
import type { WatchSnapshot } from "./snapshot.js";
import type { TabId } from "./tabs.js";
import type { KeyContext, TabRows, ViewState } from "./view.js";

/** One refresh's data: the snapshot, and the active tab's own data when it has any. */
export interface WatchData {
  snapshot: WatchSnapshot;
  panel: PanelData | null;
}

export interface DeriveEnv {
  columns: number;
  rows: number;
  heartbeatMs: number;
  tabs: readonly TabId[];
  queueNames: readonly string[];
  can: { pause: boolean; groups: boolean };
  /**
   * The detail views' last copies, so a result or group that leaves its list stays on screen
   * (marked as last seen). Updated by derive().
   */
  last: { result: TaskResultData | null; group: FailureGroup | null };
}

/** Everything a frame shows and the key reducer reads, derived from the view state and the data. */
export interface Derived {
  layout: Layout;
  now: number;
  snapshot: WatchSnapshot | null;
  items: Partial<TabItems>;
  /** The active tab's own data has more rows than were fetched. */
  panelHasMore: boolean;
  /** The active list's rows (null while its data has not arrived), and how many are on screen. */
  rows: readonly { id: string }[] | null;
  pageSize: number;
  detailResult: TaskResultData | null;
  detailGroup: FailureGroup | null;
  /** The detail's subject is in the current data (else it is shown as last seen). */
  detailFresh: boolean;
  /** The detail view's or the help view's lines. */
  lines: DetailLine[];
  ctx: KeyContext;
}

function taskList(tab: TabId, snapshot: WatchSnapshot | null, items: Partial<TabItems>): TaskResultData[] | null {
  if (tab === "overview") return snapshot?.results ?? null;
  if (tab === "scheduled" || tab === "retries") return items[tab] ?? null;
  return null;
}

/** Pure but for env.last (the detail's memory): called for each frame and for each key press. */
export function derive(view: ViewState, data: WatchData | null, env: DeriveEnv): Derived {
  const snapshot = data?.snapshot ?? null;
  const now = snapshot?.takenAt.getTime() ?? Date.now();
  const layout = computeLayout(env.rows, snapshot?.queues.length ?? 0);
  const items =
    view.tab === "overview" ? {} : tabItems(view.tab, snapshot, data?.panel ?? null, view.texts, env.heartbeatMs);
  const canGroups = env.can.groups && data?.panel?.tab === "errors" && data.panel.canAct;
  const tabRows: TabRows | undefined = tabRowsOf(
    view.tab,
    items,
    { pause: env.can.pause, actOnGroups: canGroups },
    now,
  );
  const results = snapshot?.results ?? [];
  const panel = data?.panel;
  const panelHasMore = panel?.tab === view.tab && "hasMore" in panel ? panel.hasMore : false;
  const rows = view.tab === "overview" ? (snapshot ? results : null) : (tabRows?.rows ?? null);
  const pageSize = view.tab === "overview" ? layout.resultRows : layout.listRows;

  const inDetail =
    view.mode === "detail" ||
    (view.mode === "confirm" && view.confirm?.from === "detail") ||
    (view.mode === "help" && view.helpFrom === "detail");
  let detailResult: TaskResultData | null = null;
  let detailGroup: FailureGroup | null = null;
  let detailFresh = false;
  if (view.detailId !== null && inDetail) {
    if (view.tab === "errors") {
      const fresh = items.errors?.find((g) => groupRowId(g) === view.detailId);
      if (fresh) env.last.group = fresh;
      detailFresh = fresh !== undefined;
      detailGroup = env.last.group && groupRowId(env.last.group) === view.detailId ? env.last.group : null;
    } else {
      const fresh = taskList(view.tab, snapshot, items)?.find((r) => r.id === view.detailId);
      if (fresh) env.last.result = fresh;
      detailFresh = fresh !== undefined;
      detailResult = env.last.result?.id === view.detailId ? env.last.result : null;
    }
  }
  const lines =
    view.mode === "help"
      ? helpLines(env.columns, env.tabs)
      : detailResult
        ? detailLines(detailResult, env.columns, now)
        : detailGroup
          ? groupDetailLines(detailGroup, env.columns, now)
          : [];

  const ctx: KeyContext = {
    results: results.map((r) => rowRef(r, now)),
    pageSize,
    detail: detailResult ? rowRef(detailResult, now) : null,
    detailLines: lines.length,
    detailPage: layout.detailRows,
    queueNames: env.queueNames,
    rows: tabRows,
    tabs: env.tabs,
    helpLines: view.mode === "help" ? lines.length : 0,
  };
  return {
    layout,
    now,
    snapshot,
    items,
    panelHasMore,
    rows,
    pageSize,
    detailResult,
    detailGroup,
    detailFresh,
    lines,
    ctx,
  };
}
