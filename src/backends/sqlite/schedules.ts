import { existsSync } from "node:fs";
import type BetterSqlite3 from "better-sqlite3";
import { readyRecord } from "../../contract/records.js";
import {
  type FiredTick,
  type ScheduleInfo,
  type ScheduleSpec,
  type ScheduleStore,
  specForStored,
  syncAction,
  ticksToEnqueue,
} from "../../contract/schedules.js";
import {
  ADD_SCHEDULE,
  ADVANCE,
  ALL_SCHEDULES,
  DROP_OTHERS,
  NAME_ZONE,
  RENAME_TASK,
  RESET_SCHEDULE,
  SCHEDULE,
  type ScheduleRow,
} from "./sql/schedules.js";
import type { SqliteStore } from "./store.js";
import { whenUnlocked } from "./when-unlocked.js";

const ms = (date: Date | null | undefined): number | null => (date ? date.getTime() : null);

type SyncTx = BetterSqlite3.Transaction<(specs: readonly ScheduleSpec[], now: Date) => void>;
type FireTx = BetterSqlite3.Transaction<(specs: readonly ScheduleSpec[], now: Date) => FiredTick[]>;

/**
 * Schedules in the SQLite file, driven by the workers (see ScheduleStore). Each schedule's row
 * holds its next tick; a worker enqueues a due tick and advances that row in one BEGIN
 * IMMEDIATE transaction, so however many workers wake for a tick, one enqueues it and the
 * others find the row already advanced.
 */
export class SqliteSchedules implements ScheduleStore {
  readonly #source: { readonly store: SqliteStore; readonly path: string };
  #tx: { store: SqliteStore; sync: SyncTx; fire: FireTx } | null = null;

  constructor(source: { readonly store: SqliteStore; readonly path: string }) {
    this.#source = source;
  }

  /** The transactions, tied to the open connection (close() and a new use reopen it). */
  get #transactions(): { store: SqliteStore; sync: SyncTx; fire: FireTx } {
    const store = this.#source.store;
    if (this.#tx?.store !== store) {
      this.#tx = {
        store,
        sync: store.db.transaction((specs: readonly ScheduleSpec[], now: Date) => this.#sync(store, specs, now)),
        fire: store.db.transaction((specs: readonly ScheduleSpec[], now: Date) => this.#fire(store, specs, now)),
      };
    }
    return this.#tx;
  }

  async sync(specs: readonly ScheduleSpec[], now: Date = new Date()): Promise<void> {
    const { store, sync } = this.#transactions;
    await whenUnlocked(store, () => sync.immediate(specs, now));
  }

  async fire(specs: readonly ScheduleSpec[], now: Date = new Date()): Promise<FiredTick[]> {
    if (specs.length === 0) return [];
    const { store, fire } = this.#transactions;
    return whenUnlocked(store, () => fire.immediate(specs, now));
  }

  /** The stored schedules; nothing (and no file created) before the database exists. */
  async list(): Promise<ScheduleInfo[]> {
    if (!existsSync(this.#source.path)) return [];
    const rows = this.#source.store.statements.get<ScheduleRow>(ALL_SCHEDULES).all();
    return rows.map((row) => ({
      name: row.name,
      taskName: row.task_name,
      cron: row.cron,
      timezone: row.timezone,
      lastTick: row.last_tick === null ? null : new Date(row.last_tick),
      nextTick: row.next_tick === null ? null : new Date(row.next_tick),
    }));
  }

  #sync(store: SqliteStore, specs: readonly ScheduleSpec[], now: Date): void {
    const q = store.statements;
    for (const spec of specs) {
      const row = q.get<ScheduleRow>(SCHEDULE).get(spec.name);
      const values = { name: spec.name, taskName: spec.taskName, cron: spec.cron, timezone: spec.timezone };
      const nextTick = ms(spec.nextAfter(now));
      const action = syncAction(row, spec);
      if (action === "add") q.get(ADD_SCHEDULE).run({ ...values, nextTick, now: now.getTime() });
      else if (action === "reset") q.get(RESET_SCHEDULE).run({ ...values, nextTick, now: now.getTime() });
      else if (action === "nameZone") q.get(NAME_ZONE).run({ ...values, now: now.getTime() });
      else q.get(RENAME_TASK).run({ name: spec.name, taskName: spec.taskName, now: now.getTime() });
    }
    q.get(DROP_OTHERS).run({ names: JSON.stringify(specs.map((spec) => spec.name)) });
  }

  /**
   * For each schedule whose stored next tick has come: its due ticks (from the stored next
   * tick to now, at most catchUpLimit with "all", else the latest), narrowed by catchUp, are
   * stored as tasks due at their tick, and the row advances to the first tick after now. A row
   * whose expression or zone differs from this worker's was synced by a worker with another
   * config (a deploy half done): the newest sync wins, this worker leaves it alone. A schedule
   * without a zone is read in the local zone of the worker that stored it (specForStored).
   */
  #fire(store: SqliteStore, specs: readonly ScheduleSpec[], now: Date): FiredTick[] {
    const q = store.statements;
    const fired: FiredTick[] = [];
    for (const configured of specs) {
      const row = q.get<ScheduleRow>(SCHEDULE).get(configured.name);
      const spec = row ? specForStored(configured, row) : null;
      if (!row || !spec) continue;
      if (row.next_tick === null || row.next_tick > now.getTime()) continue;
      const from = row.next_tick;
      const due = spec
        .lastTicks(spec.catchUp === "all" ? spec.catchUpLimit : 1, now)
        .filter((tick) => tick.getTime() >= from);
      const ticks = ticksToEnqueue(spec, due, now);
      if (ticks.length > 0) {
        const requests = ticks.map((tick) => ({ ...spec.request, runAfter: tick }));
        const records = requests.map((request) => readyRecord(store.alias, request, now));
        store.insert(records, requests).forEach((record, i) => {
          fired.push({ schedule: spec.name, tick: ticks[i] as Date, record });
        });
      }
      q.get(ADVANCE).run({
        name: spec.name,
        lastTick: ms(ticks.at(-1)),
        nextTick: ms(spec.nextAfter(now)),
        now: now.getTime(),
      });
    }
    return fired;
  }
}
