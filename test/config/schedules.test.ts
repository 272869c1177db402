import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineConfig, task } from "../../src/index.js";

const report = task((day: string) => day);
const ping = task(() => "pong");
const checked = task({ args: z.tuple([z.enum(["daily", "weekly"])]) }, (period: string) => period);
const sqlite = { default: { backend: "sqlite" as const, options: { path: ":memory:" } } };

describe("schedules in the config", () => {
  it("parses 5- and 6-field expressions, nicknames and time zones; args are typed against the task", () => {
    const config = defineConfig({
      backends: sqlite,
      tasks: { report, ping, checked },
      schedules: {
        nightly: { task: report, cron: "0 3 * * *", args: ["daily"], timezone: "Europe/Paris" },
        everyTenSeconds: { task: ping, cron: "*/10 * * * * *" },
        weekly: { task: checked, cron: "@weekly", args: ["weekly"], catchUp: "all", catchUpLimit: 5 },
      },
    }) as unknown as { schedules: Map<string, { nextAfter(d: Date): Date | null; catchUp: string }> };
    const nightly = config.schedules.get("nightly");
    // 03:00 in Paris is 02:00 UTC in winter.
    expect(nightly?.nextAfter(new Date("2026-01-10T12:00:00Z"))?.toISOString()).toBe("2026-01-11T02:00:00.000Z");
    expect(config.schedules.get("everyTenSeconds")?.nextAfter(new Date("2026-01-10T12:00:01Z"))?.toISOString()).toBe(
      "2026-01-10T12:00:10.000Z",
    );
    expect(config.schedules.get("weekly")?.catchUp).toBe("all");
    expect(config.schedules.get("everyTenSeconds")?.catchUp).toBe("latest");
  });

  it("the type of args follows the task", () => {
    const shape = () =>
      defineConfig({
        backends: sqlite,
        tasks: { report },
        // @ts-expect-error report takes a string
        schedules: { nightly: { task: report, cron: "0 3 * * *", args: [3] } },
      });
    const missing = () =>
      defineConfig({
        backends: sqlite,
        tasks: { report },
        // @ts-expect-error report needs its argument
        schedules: { nightly: { task: report, cron: "0 3 * * *" } },
      });
    expect(missing).toThrow(/schedules\["nightly"\]\.args: task "report" takes 1 argument, got 0/);
    expect(shape).not.toThrow(); // a wrong type passes the count; the type checker is what refuses it
  });

  const broken: [string, () => unknown, RegExp][] = [
    [
      "a bad expression",
      () => defineConfig({ backends: sqlite, tasks: { ping }, schedules: { bad: { task: ping, cron: "61 * * * *" } } }),
      /^schedules\["bad"\]\.cron: "61 \* \* \* \*" is not a valid cron expression \(Invalid value for minute: 61\); write 5 fields/,
    ],
    [
      "seven fields",
      () =>
        defineConfig({ backends: sqlite, tasks: { ping }, schedules: { bad: { task: ping, cron: "* * * * * * *" } } }),
      /^schedules\["bad"\]\.cron: .* is not a valid cron expression/,
    ],
    [
      "three fields: croner's own count of the parts it takes is not shown",
      () => defineConfig({ backends: sqlite, tasks: { ping }, schedules: { bad: { task: ping, cron: "* * *" } } }),
      /^schedules\["bad"\]\.cron: "\* \* \*" is not a valid cron expression \(it has 3 fields\); write 5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first$/,
    ],
    [
      "an expression that never fires",
      () =>
        defineConfig({ backends: sqlite, tasks: { ping }, schedules: { feb30: { task: ping, cron: "0 0 30 2 *" } } }),
      /^schedules\["feb30"\]\.cron: "0 0 30 2 \*" never matches a date/,
    ],
    [
      "an unknown time zone",
      () =>
        defineConfig({
          backends: sqlite,
          tasks: { ping },
          schedules: { mars: { task: ping, cron: "0 3 * * *", timezone: "Mars/Olympus" } },
        }),
      /^schedules\["mars"\]\.timezone: unknown time zone "Mars\/Olympus"; use an IANA name/,
    ],
    [
      "an unregistered task",
      () =>
        defineConfig({
          backends: sqlite,
          tasks: { ping },
          schedules: { r: { task: report, cron: "0 3 * * *", args: ["x"] } },
        }),
      /^schedules\["r"\]\.task: task "report" is not registered in tasks/,
    ],
    [
      "a backend without workers",
      () => defineConfig({ tasks: { ping }, schedules: { p: { task: ping, cron: "0 3 * * *" } } }),
      /^schedules\["p"\]\.task: task "ping" runs on backend "default" \(immediate\), which has no workers to run schedules/,
    ],
    [
      "arguments that are not JSON",
      () =>
        defineConfig({
          backends: sqlite,
          tasks: { report },
          schedules: { d: { task: report, cron: "0 3 * * *", args: [new Date() as unknown as string] } },
        }),
      /^schedules\["d"\]\.args: args\[0\] is a Date; arguments must be JSON values/,
    ],
    [
      "arguments the task's schema refuses",
      () =>
        defineConfig({
          backends: sqlite,
          tasks: { checked },
          schedules: { c: { task: checked, cron: "0 3 * * *", args: ["hourly" as "daily"] } },
        }),
      /^schedules\["c"\]\.args: args\[0\]: .*\(task "checked" validates its arguments\)/,
    ],
    [
      "an unknown option",
      () =>
        defineConfig({
          backends: sqlite,
          tasks: { ping },
          schedules: { p: { task: ping, cron: "0 3 * * *", catchup: "all" } as never },
        }),
      /^schedules\.p: unknown key\(s\) "catchup"$/,
    ],
    [
      "an unknown catchUp",
      () =>
        defineConfig({
          backends: sqlite,
          tasks: { ping },
          schedules: { p: { task: ping, cron: "0 3 * * *", catchUp: "some" as never } },
        }),
      /^schedules\.p\.catchUp: /,
    ],
  ];
  for (const [what, make, message] of broken) {
    it(`refuses ${what}, naming the schedule`, () => {
      expect(make).toThrow(message);
    });
  }
});

describe("schedules of backends that share a store", () => {
  type Backends = Parameters<typeof defineConfig>[0]["backends"];
  /** The schedule names a worker of each alias syncs, for two aliases `a` and `b` with these options. */
  function synced(kind: "sqlite" | "redis", a: Record<string, unknown>, b: Record<string, unknown>) {
    const onA = task((n: number) => n);
    const onB = task({ backend: "b" }, (n: number) => n);
    const config = defineConfig({
      backends: { default: { backend: kind, options: a }, b: { backend: kind, options: b } } as Backends,
      tasks: { onA, onB },
      schedules: { sa: { task: onA, cron: "@daily", args: [1] }, sb: { task: onB, cron: "@daily", args: [2] } },
    }) as unknown as { schedulesOf(alias: string): { name: string }[] };
    return ["default", "b"].map((alias) => config.schedulesOf(alias).map((entry) => entry.name));
  }
  const both = [
    ["sa", "sb"],
    ["sa", "sb"],
  ];
  const apart = [["sa"], ["sb"]];

  it("one SQLite file (paths compared once resolved) is one store", () => {
    expect(synced("sqlite", { path: "db/tasks.sqlite3" }, { path: "./db/../db/tasks.sqlite3" })).toEqual(both);
    expect(synced("sqlite", { path: "db/tasks.sqlite3" }, { path: "db/reports.sqlite3" })).toEqual(apart);
  });

  it("one Redis server, database and prefix is one store", () => {
    const url = "redis://127.0.0.1:6379";
    expect(synced("redis", { url }, { url: `${url}/0`, prefix: "tasklane" })).toEqual(both);
    expect(synced("redis", { url, connection: { db: 2 } }, { url: `${url}/2` })).toEqual(both);
    expect(synced("redis", { url }, { url, prefix: "reports" })).toEqual(apart);
    expect(synced("redis", { url }, { url: `${url}/1` })).toEqual(apart);
    expect(synced("redis", { url }, { url: "redis://10.0.0.2:6379" })).toEqual(apart);
  });
});
