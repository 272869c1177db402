import type { IdOutcome } from "../../contract/management.js";
import { shortId } from "../text/format.js";
import type { ChangeTasks } from "./snapshot.js";
import type { Effect, Message } from "./view.js";

/** What the dashboard can change; the command builds these over the backend's management store. */
export interface WatchActions {
  retry: ChangeTasks;
  cancel: ChangeTasks;
  /** The ids of a failure group's results in a status (absent: the backend cannot list them). */
  groupIds?: (groupId: string, status: "FAILED" | "READY") => Promise<string[]>;
  /** Absent: the backend cannot pause queues. */
  pauseQueue?: (queue: string) => Promise<void>;
  resumeQueue?: (queue: string) => Promise<void>;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const PAST = { retry: "Retried", cancel: "Cancelled" } as const;

/** "Retried 4 of 5 tasks; 1 could not: it is RUNNING now" */
export function outcomeMessage(action: "retry" | "cancel", outcomes: readonly IdOutcome[], where = ""): Message {
  const done = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.filter((o) => !o.ok);
  const of = failed.length > 0 ? `${done} of ${plural(outcomes.length, "task")}` : plural(done, "task");
  const why = failed.length > 0 ? `; ${failed.length} could not: ${failed[0]?.reason ?? "refused"}` : "";
  return { text: `${PAST[action]} ${of}${where}${why}`, tone: failed.length > 0 ? "error" : "ok" };
}

const reasonOf = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

async function changeGroups(actions: WatchActions, action: "retry" | "cancel", groupIds: string[]): Promise<Message> {
  const list = actions.groupIds;
  if (!list) return { text: "This backend cannot list a failure group's tasks", tone: "error" };
  const status = action === "retry" ? "FAILED" : "READY";
  const ids = [...new Set((await Promise.all(groupIds.map((g) => list(g, status)))).flat())];
  const where = ` of ${plural(groupIds.length, "failure group")}`;
  if (ids.length === 0) return { text: `Nothing to ${action}${where}: its tasks changed meanwhile`, tone: "info" };
  return outcomeMessage(action, await actions[action](ids), where);
}

async function changeQueue(actions: WatchActions, action: "pause" | "resume", queue: string): Promise<Message> {
  const change = action === "pause" ? actions.pauseQueue : actions.resumeQueue;
  if (!change) return { text: "This backend cannot pause queues", tone: "error" };
  await change(queue);
  return action === "pause"
    ? { text: `Paused ${queue}: workers start none of its tasks until resumed (P)`, tone: "ok" }
    : { text: `Resumed ${queue}: workers take its tasks again`, tone: "ok" };
}

/** Runs an effect (all but quit) and says how it went, in one footer line; never throws. */
export async function runEffect(actions: WatchActions, effect: Exclude<Effect, { type: "quit" }>): Promise<Message> {
  const failure = (caught: unknown, what: string): Message => ({
    text: `Could not ${what}: ${reasonOf(caught)}`,
    tone: "error",
  });
  switch (effect.type) {
    case "retry":
    case "cancel": {
      const label = `${effect.taskName} ${shortId(effect.id)}`;
      try {
        const outcome = (await actions[effect.type]([effect.id]))[0];
        if (outcome?.ok) {
          return { text: effect.type === "retry" ? `Retried ${label}: READY again` : `Cancelled ${label}`, tone: "ok" };
        }
        return {
          text: `Could not ${effect.type} ${label}: ${outcome?.reason ?? "no answer from the backend"}`,
          tone: "error",
        };
      } catch (caught) {
        return failure(caught, `${effect.type} ${label}`);
      }
    }
    case "tasks":
      try {
        return outcomeMessage(effect.action, await actions[effect.action](effect.ids));
      } catch (caught) {
        return failure(caught, `${effect.action} ${plural(effect.ids.length, "task")}`);
      }
    case "groups":
      try {
        return await changeGroups(actions, effect.action, effect.groupIds);
      } catch (caught) {
        return failure(caught, `${effect.action} the failure groups`);
      }
    case "queue":
      try {
        return await changeQueue(actions, effect.action, effect.queue);
      } catch (caught) {
        return failure(caught, `${effect.action} ${effect.queue}`);
      }
  }
}
