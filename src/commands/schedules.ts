import { BaseCommand } from "../cli/base-command.js";
import { scheduleState } from "../cli/schedule-state.js";
import type { ActiveConfig } from "../config/registry.js";
import type { ScheduleEntry } from "../config/schedules.js";
import { describeZone, type ScheduleInfo } from "../contract/schedules.js";
import { ago } from "../ui/text/format.js";
import { dim, yellow } from "../ui/text/style.js";
import { renderTable } from "../ui/text/table.js";

interface Row {
  entry: ScheduleEntry;
  /** The zone it is read in, as stored ("local (Asia/Tokyo)": the local zone of the worker that stored it). */
  zone: string;
  backend: string;
  lastRun: Date | null;
  nextRun: Date | null;
  /** The stored next tick has passed: no worker has run the backend since. */
  overdue: boolean;
}

/** Each schedule of the config with what its backend stored (scheduleState). */
async function scheduleRows(config: ActiveConfig, now: Date): Promise<Row[]> {
  const stored = new Map<string, Map<string, ScheduleInfo>>();
  const rows: Row[] = [];
  for (const entry of config.schedules.values()) {
    const alias = entry.task.backend;
    let infos = stored.get(alias);
    if (!infos) {
      const store = (await config.getBackend(alias)).schedules();
      infos = new Map(((await store?.list()) ?? []).map((info) => [info.name, info]));
      stored.set(alias, infos);
    }
    const state = scheduleState(entry, infos.get(entry.name), now);
    rows.push({
      entry,
      zone: describeZone(state.timezone),
      backend: alias,
      lastRun: state.lastTick,
      nextRun: state.nextTick,
      overdue: state.nextTick !== null && state.nextTick.getTime() <= now.getTime(),
    });
  }
  return rows.sort((a, b) => a.entry.name.localeCompare(b.entry.name));
}

export default class Schedules extends BaseCommand {
  static override summary = "List the config's schedules with their last and next run";
  static override description =
    "Schedules are declared in tasks.config.ts (`schedules: { name: { task, cron, args, timezone, catchUp } }`) and run by the ordinary `tasks worker` processes, each tick enqueued once however many run. The last run is the last tick a worker enqueued; the next run is the tick a worker will enqueue next.";
  static override examples = ["<%= config.bin %> schedules", "<%= config.bin %> schedules --json"];

  async run(): Promise<void> {
    const { flags } = await this.parse(Schedules);
    const config = await this.loadConfig(flags);
    const now = new Date();
    const rows = await scheduleRows(config, now);
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    if (flags.json) {
      return this.printJson(
        rows.map((r) => ({
          name: r.entry.name,
          task: r.entry.task.name,
          backend: r.backend,
          cron: r.entry.cron,
          timezone: r.entry.timezone,
          args: r.entry.args,
          catchUp: r.entry.catchUp,
          catchUpLimit: r.entry.catchUpLimit,
          lastRun: iso(r.lastRun),
          nextRun: iso(r.nextRun),
        })),
      );
    }
    if (rows.length === 0) {
      this.out(dim("No schedules. Declare them in tasks.config.ts: schedules: { name: { task, cron, args } }."));
      return;
    }
    const when = (d: Date | null) => (d ? `${d.toISOString()} ${dim(`(${ago(d, now.getTime())})`)}` : dim("-"));
    this.out(
      renderTable(
        ["NAME", "TASK", "CRON", "TIMEZONE", "CATCH-UP", "LAST RUN", "NEXT RUN"],
        rows.map((r) => [
          r.entry.name,
          r.entry.task.name,
          r.entry.cron,
          r.entry.timezone ?? dim(r.zone),
          r.entry.catchUp === "all" ? `all (≤ ${r.entry.catchUpLimit})` : r.entry.catchUp,
          when(r.lastRun),
          r.overdue ? yellow(`${when(r.nextRun)} due`) : when(r.nextRun),
        ]),
      ),
    );
    if (rows.some((r) => r.overdue)) {
      this.out(yellow("A tick is due and no worker has enqueued it: is `tasks worker` running for its backend?"));
    }
  }
}
