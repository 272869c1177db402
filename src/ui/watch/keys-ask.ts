import { TASK_TABS } from "./tabs.js";
import type { Confirm, GroupRef, KeyContext, QueueRef, Reduced, RowRef, ViewState } from "./view.js";

/**
 * The y/n questions before R, C and P: what they would touch, counted from the rows on screen,
 * or a one-line reason when there is nothing they could do.
 */

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const VERB = { retry: "Retry", cancel: "Cancel" } as const;
const DOING = { retry: "Retrying", cancel: "Cancelling" } as const;
const DECLINED = { retry: "Not retried", cancel: "Not cancelled" } as const;
const WANTED = { retry: "FAILED", cancel: "READY" } as const;

function refuse(state: ViewState, text: string): Reduced {
  return { state: { ...state, message: { text, tone: "error" } } };
}

function ask(state: ViewState, confirm: Omit<Confirm, "from">): Reduced {
  const from = state.mode === "detail" ? "detail" : "list";
  return { state: { ...state, mode: "confirm", message: null, confirm: { ...confirm, from } } };
}

/**
 * Why R leaves a waiting READY task as it is: it has not failed (scheduled), or it failed and
 * its next attempt is already coming (retrying). "is READY" read as if R could not reach it.
 */
function nothingToRetry(row: RowRef): string | null {
  if (row.waiting === "retrying") {
    return `Nothing to retry: ${row.taskName} failed and will run again when due (C cancels it)`;
  }
  if (row.waiting === "scheduled") {
    return `Nothing to retry: ${row.taskName} has not failed; it is scheduled to run when due (C cancels it)`;
  }
  return null;
}

/** R or C on one result (the cursor's, or the detail view's). */
export function askConfirm(state: ViewState, action: "retry" | "cancel", row: RowRef | null | undefined): Reduced {
  if (!row) return refuse(state, "No task selected");
  const wanted = WANTED[action];
  const waiting = action === "retry" ? nothingToRetry(row) : null;
  if (waiting) return refuse(state, waiting);
  if (row.status !== wanted) {
    const verb = action === "retry" ? "retried" : "cancelled";
    return refuse(state, `Only ${wanted} tasks can be ${verb}; ${row.taskName} is ${row.status}`);
  }
  return ask(state, {
    action,
    id: row.id,
    taskName: row.taskName,
    question: `${VERB[action]} ${row.taskName} ${row.id}?`,
    effect: { type: action, id: row.id, taskName: row.taskName },
    doing: `${DOING[action]} ${row.taskName}…`,
    declined: DECLINED[action],
  });
}

/** R or C on a task list: the marked rows when any are marked, else the cursor's row. */
export function askTasks(state: ViewState, action: "retry" | "cancel", ctx: KeyContext): Reduced {
  if (!TASK_TABS.includes(state.tab)) {
    return refuse(state, "R and C act on the Overview, Scheduled, Retries and Errors tabs");
  }
  const rows: readonly RowRef[] =
    state.tab === "overview" ? ctx.results : ctx.rows?.kind === "tasks" ? ctx.rows.rows : [];
  const marked = rows.filter((r) => state.selected.includes(r.id));
  if (marked.length === 0) return askConfirm(state, action, rows[state.cursor]);
  const wanted = WANTED[action];
  const fit = marked.filter((r) => r.status === wanted);
  if (fit.length === 0) {
    const only = marked[0];
    const waiting = only && action === "retry" ? nothingToRetry(only) : null;
    if (marked.length === 1 && waiting) return refuse(state, waiting);
    if (marked.length === 1 && only)
      return refuse(state, `The marked task is not ${wanted}: ${only.taskName} is ${only.status}`);
    return refuse(state, `None of the ${marked.length} marked tasks is ${wanted}`);
  }
  const others = marked.length - fit.length;
  const rest = others > 0 ? ` (${plural(others, "other marked task")} ${others === 1 ? "stays" : "stay"} as is)` : "";
  return ask(state, {
    action,
    question: `${VERB[action]} ${plural(fit.length, `${wanted} task`)}${rest}?`,
    effect: { type: "tasks", action, ids: fit.map((r) => r.id) },
    doing: `${DOING[action]} ${plural(fit.length, "task")}…`,
    declined: DECLINED[action],
  });
}

/**
 * R (retry every FAILED result) or C (cancel every result waiting to retry) on failure groups:
 * the marked groups, else `only` (the detail view's) or the cursor's.
 */
export function askGroups(state: ViewState, action: "retry" | "cancel", ctx: KeyContext, only: string | null): Reduced {
  const rows: readonly GroupRef[] = ctx.rows?.kind === "groups" ? ctx.rows.rows : [];
  const groups =
    only !== null
      ? rows.filter((g) => g.id === only)
      : state.selected.length > 0
        ? rows.filter((g) => state.selected.includes(g.id))
        : rows.slice(state.cursor, state.cursor + 1);
  if (groups.length === 0) return refuse(state, "No failure group selected");
  if (groups.some((g) => !g.canAct)) {
    return refuse(state, "This backend cannot list a failure group's tasks; use tasks retry --failed --task NAME");
  }
  const n = groups.reduce((sum, g) => sum + (action === "retry" ? g.failed : g.retrying), 0);
  const where = groups.length === 1 ? `failure group ${groups[0]?.label}` : plural(groups.length, "failure group");
  if (n === 0) {
    return refuse(state, action === "retry" ? `No FAILED task in ${where}` : `No task waiting to retry in ${where}`);
  }
  const what = action === "retry" ? `${plural(n, "FAILED task")} of` : `${plural(n, "task")} waiting to retry in`;
  return ask(state, {
    action,
    question: `${VERB[action]} ${what} ${where}?`,
    effect: { type: "groups", action, groupIds: groups.map((g) => g.id) },
    doing: `${DOING[action]} ${plural(n, "task")}…`,
    declined: DECLINED[action],
  });
}

/** P on the Queues tab: pause the cursor's queue, or resume it when it is paused. */
export function askQueue(state: ViewState, ctx: KeyContext): Reduced {
  if (state.tab !== "queues") return refuse(state, "P pauses or resumes a queue: pick it on the Queues tab");
  const rows: readonly QueueRef[] = ctx.rows?.kind === "queues" ? ctx.rows.rows : [];
  const queue = rows[state.cursor];
  if (!queue) return refuse(state, "No queue selected");
  if (!queue.canPause) return refuse(state, "This backend cannot pause queues");
  const action = queue.paused ? "resume" : "pause";
  return ask(state, {
    action,
    question: queue.paused
      ? `Resume queue ${queue.id}? Workers take its tasks again.`
      : `Pause queue ${queue.id}? Workers start none of its tasks until resumed; running ones finish.`,
    effect: { type: "queue", action, queue: queue.id },
    doing: `${queue.paused ? "Resuming" : "Pausing"} ${queue.id}…`,
    declined: queue.paused ? `${queue.id} stays paused` : `${queue.id} not paused`,
  });
}
