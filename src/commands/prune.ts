import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { unknownFilterHint } from "../cli/filter-hints.js";
import { backendFlag, filterFlags } from "../cli/flags.js";
import { loadInk } from "../cli/load-ink.js";
import { openManagement } from "../cli/management.js";
import type { PruneOptions } from "../contract/management.js";
import { parseDuration } from "../core/durations.js";

export default class Prune extends BaseCommand {
  static override summary = "Delete old finished results (never READY or RUNNING ones)";
  static override description =
    "Deletes SUCCEEDED, CANCELLED and FAILED results that finished before the given age, a few thousand rows per transaction so workers and enqueues are never blocked for long.";
  static override examples = [
    "<%= config.bin %> prune",
    "<%= config.bin %> prune --older-than 30d --failed-older-than 90d",
    "<%= config.bin %> prune --older-than 12h --queue emails --dry-run",
    "<%= config.bin %> prune --older-than 90m --task report --json",
  ];
  static override flags = {
    backend: backendFlag,
    "older-than": Flags.string({ description: "Age of finished results to delete: 30d, 12h, 90m", default: "14d" }),
    "failed-older-than": Flags.string({ description: "Age for FAILED results (default: --older-than)" }),
    queue: filterFlags.queue,
    task: filterFlags.task,
    "dry-run": Flags.boolean({ description: "Only count what would be deleted", default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Prune);
    const now = Date.now();
    const olderThan = parseDuration(flags["older-than"], { label: "--older-than", allowZero: true });
    const failedOlderThan =
      flags["failed-older-than"] === undefined
        ? olderThan
        : parseDuration(flags["failed-older-than"], { label: "--failed-older-than", allowZero: true });
    const config = await this.loadConfig(flags);
    const { manage } = await openManagement(config, flags.backend);
    // Another alias on the same store keeps its own results: only this backend's queues. A
    // --queue outside them leaves nothing to prune (an empty list would mean every queue).
    const own = config.ownQueues(flags.backend);
    const queues = own && flags.queue ? flags.queue.filter((q) => own.includes(q)) : (flags.queue ?? own);
    const nothing = queues?.length === 0;
    const options: PruneOptions = {
      finishedBefore: new Date(now - olderThan),
      failedFinishedBefore: new Date(now - failedOlderThan),
      queues,
      taskNames: flags.task,
    };
    // Nothing matched a filter naming a task or queue the config does not know: say so.
    const noneHint = (n: number) => {
      const hint =
        n === 0 ? unknownFilterHint(config, flags.backend, { tasks: flags.task, queues: flags.queue }) : undefined;
      return hint ? `: ${hint}` : "";
    };
    if (flags["dry-run"]) {
      const count = nothing ? 0 : await manage.countPrunable(options);
      if (flags.json) return this.printJson({ dryRun: true, wouldDelete: count });
      return this.out(`Would delete ${count} task result${count === 1 ? "" : "s"}${noneHint(count)}`);
    }
    const progress = !flags.json && process.stdout.isTTY ? await startProgress() : undefined;
    let deleted: number;
    try {
      deleted = nothing ? 0 : await manage.prune({ ...options, onProgress: progress?.update });
    } finally {
      await progress?.stop();
    }
    if (flags.json) return this.printJson({ dryRun: false, deleted });
    this.out(`Deleted ${deleted} task result${deleted === 1 ? "" : "s"}${noneHint(deleted)}`);
  }
}

/** An Ink progress bar, only on a TTY (ink and react load lazily). */
async function startProgress() {
  const [{ render }, React, { ProgressBar }] = await loadInk(() => import("../ui/ProgressBar.js"));
  const element = (done: number, total: number) => React.createElement(ProgressBar, { label: "Deleting", done, total });
  const app = render(element(0, 0), { patchConsole: false, exitOnCtrlC: true });
  return {
    update: (done: number, total: number) => app.rerender(element(done, total)),
    stop: async () => {
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
