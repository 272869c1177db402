import * as Flags from "@oclif/core/flags";

/** Flags shared by the commands that read or change results. */
export const backendFlag = Flags.string({ description: "Backend alias", default: "default" });

export const filterFlags = {
  status: Flags.string({
    description: "Only this status (repeatable): READY, RUNNING, SUCCEEDED, FAILED, CANCELLED",
    multiple: true,
  }),
  task: Flags.string({ description: "Only this task (repeatable)", multiple: true }),
  queue: Flags.string({ description: "Only this queue (repeatable)", multiple: true }),
  since: Flags.string({ description: "Only results enqueued since: a duration ago (1h, 7d) or an ISO date" }),
};
