/**
 * The dashboard's tabs. The overview (counts, queues, the results browser) comes first; the
 * others each show one list. Digits, ←/→ and [ ] switch between them.
 */
export type TabId = "overview" | "queues" | "scheduled" | "retries" | "errors" | "workers" | "schedules";

export const TAB_LABEL: Record<TabId, string> = {
  overview: "Overview",
  queues: "Queues",
  scheduled: "Scheduled",
  retries: "Retries",
  errors: "Errors",
  workers: "Workers",
  schedules: "Schedules",
};

const ALL_TABS: readonly TabId[] = ["overview", "queues", "scheduled", "retries", "errors", "workers", "schedules"];

/** The tabs shown: Schedules only when the backend keeps schedules. */
export function availableTabs(hasSchedules: boolean): TabId[] {
  return ALL_TABS.filter((tab) => tab !== "schedules" || hasSchedules);
}

/** Tabs whose rows are task results (Enter opens one; R and C act on them). */
export const TASK_TABS: readonly TabId[] = ["overview", "scheduled", "retries"];

/** Tabs where space marks rows for a bulk R or C. */
export const SELECTABLE_TABS: readonly TabId[] = [...TASK_TABS, "errors"];

/** Tabs whose `/` filter is a task-name filter applied by the store (the others filter text on screen). */
export const TASK_NAME_FILTER_TABS: readonly TabId[] = TASK_TABS;

export interface TabBarItem {
  tab: TabId;
  /** "1 Overview" ("[1 Overview]" when active), or just "1" when the bar is too narrow for every label. */
  text: string;
  active: boolean;
}

/**
 * The tab bar's items for a width: every tab numbered and named, or, when that does not fit,
 * the numbers with only the active tab named.
 */
export function tabBarItems(tabs: readonly TabId[], active: TabId, columns: number): TabBarItem[] {
  // The active tab is bracketed as well as highlighted: captures and NO_COLOR terminals show no inverse video.
  const text = (i: number, label: string, isActive: boolean) => (isActive ? `[${i + 1}${label}]` : `${i + 1}${label}`);
  const full = tabs.map((tab, i) => ({
    tab,
    text: text(i, ` ${TAB_LABEL[tab]}`, tab === active),
    active: tab === active,
  }));
  const width = full.reduce((n, item) => n + item.text.length + 2, -2);
  if (width <= columns) return full;
  return full.map((item, i) => (item.active ? item : { ...item, text: text(i, "", false) }));
}
