import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { describeConfig } from "../cli/describe.js";
import type { ActiveConfig } from "../config/registry.js";
import { BackendUnavailableError } from "../core/errors.js";
import { bold, dim, yellow } from "../ui/text/style.js";

/** Paused queues per backend alias, from their stored state (storage that does not exist yet is not created). */
async function pausedQueues(config: ActiveConfig): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const entry of config.backends.values()) {
    if (!entry.controls?.pause) continue;
    let paused: string[];
    try {
      const backend = await config.getBackend(entry.alias);
      paused = (await backend.queueStates()).filter((s) => s.paused).map((s) => s.queueName);
    } catch (error) {
      // Info describes the config: storage that cannot be reached (a Redis down) leaves only its paused queues unknown.
      if (!(error instanceof BackendUnavailableError)) throw error;
      process.stderr.write(
        `${yellow("warning")}: paused queues of backend "${entry.alias}" unknown: ${error.message}\n`,
      );
      continue;
    }
    if (paused.length) out.set(entry.alias, paused);
  }
  return out;
}

export default class Info extends BaseCommand {
  static override summary = "Show the configured backends (with capabilities) and tasks";
  static override examples = [
    "<%= config.bin %> info",
    "<%= config.bin %> info --json",
    "<%= config.bin %> info --config ./app/tasks.config.ts",
  ];
  static override flags = {
    "config-only": Flags.boolean({
      description: "Only what the config says: do not read stored state (paused queues)",
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Info);
    const config = await this.loadConfig(flags);
    const info = describeConfig(config);
    const paused = flags["config-only"] ? new Map<string, string[]>() : await pausedQueues(config);
    if (flags.json) {
      return this.printJson({
        ...info,
        backends: info.backends.map((b) => (paused.has(b.alias) ? { ...b, pausedQueues: paused.get(b.alias) } : b)),
      });
    }

    this.out(`${bold("Config")}  ${info.config ?? dim("none found: using the implicit immediate backend")}`);
    this.out();
    this.out(bold("Backends"));
    for (const b of info.backends) {
      const caps = (["supportsDefer", "supportsAsyncTask", "supportsGetResult", "supportsPriority"] as const)
        .map((k) => `${k.replace("supports", "").replace(/^./, (c) => c.toLowerCase())}:${b[k] ? "yes" : "no"}`)
        .join(" ");
      this.out(`  ${bold(b.alias)} (${b.kind})  queues: ${b.queues.length ? b.queues.join(", ") : dim("any")}`);
      this.out(`    ${caps}`);
      const options = Object.entries(b.options);
      if (options.length) this.out(`    options: ${options.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
      const limits = Object.entries(config.backends.get(b.alias)?.limits ?? {});
      if (limits.length) this.out(`    limits: ${limits.map(([q, l]) => `${q}=${JSON.stringify(l)}`).join(" ")}`);
      if (b.retention) {
        const { olderThan, failedOlderThan } = b.retention;
        const failed = failedOlderThan === olderThan ? "" : `, failed ${failedOlderThan}`;
        this.out(`    retention: finished results kept ${olderThan}${failed} ${dim("(workers prune hourly)")}`);
      }
      const stopped = paused.get(b.alias) ?? [];
      if (stopped.length) this.out(`    ${yellow(`paused: ${stopped.join(", ")}`)} ${dim("(tasks resume QUEUE)")}`);
    }
    this.out();
    this.out(bold("Tasks"));
    if (info.tasks.length === 0) this.out(dim("  (none registered)"));
    for (const t of info.tasks) {
      const extras = [
        `backend=${t.backend}`,
        `queue=${t.queueName}`,
        `priority=${t.priority}`,
        t.takesContext ? "takesContext" : "",
        t.maxAttempts > 1 ? `maxAttempts=${t.maxAttempts}` : "",
        t.backoff ? `backoff=${t.backoff.type}:${t.backoff.delayMs}ms` : "",
        t.timeoutMs !== null ? `timeoutMs=${t.timeoutMs}` : "",
        t.unique
          ? `unique=${typeof t.unique.scope === "string" ? t.unique.scope : `period:${t.unique.scope.periodMs}ms`}`
          : "",
        t.concurrency ? `concurrency=${t.concurrency.limit}/key` : "",
      ].filter(Boolean);
      this.out(`  ${bold(t.name)}  ${dim(extras.join(" "))}`);
    }
  }
}
