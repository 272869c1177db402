import { execFileSync } from "node:child_process";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, CHILD_ENV, tasks, tempDir } from "../helpers/cli.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, runBatchWorker, startWorker } from "../helpers/project.js";

// One project for the whole file: a few finished, failed, ready and deferred results.
let project: Project;
let ids: Record<string, string>;
const dbPath = () => `${project.dir}/db/tasks.sqlite3`;
const cli = (args: string[], env: Record<string, string> = {}) =>
  tasks([...args, "--config", project.configPath], { cwd: project.dir, env });
const json = (stdout: unknown) => JSON.parse(String(stdout));

beforeAll(async () => {
  project = await makeProject();
  const ok1 = await enqueue(project, "record", ["one"]);
  const ok2 = await enqueue(project, "emails", ["ada@example.com"]);
  const failed = await enqueue(project, "fail", ["bad thing"]);
  const failed2 = await enqueue(project, "fail", ["worse thing"]);
  await runBatchWorker(project);
  const ready = await enqueue(project, "noop", [], { runAfter: new Date(Date.now() + 3_600_000) });
  ids = { ok1: ok1.id, ok2: ok2.id, failed: failed.id, failed2: failed2.id, ready: ready.id };
});
afterAll(async () => {
  await project.cleanup();
});

describe("tasks results", () => {
  it("lists newest first as a table with short ids", async () => {
    const run = await cli(["results"]);
    expect(run.exitCode).toBe(0);
    const lines = String(run.stdout).split("\n");
    expect(lines[0]).toMatch(/^ID\s+TASK\s+STATUS\s+QUEUE\s+PRI\s+ENQUEUED\s+DURATION\s+ATTEMPTS$/);
    expect(lines[1]).toContain(ids.ready?.slice(-12));
    expect(lines).toHaveLength(6);
  });

  it("--json prints TaskResult objects with the API's field names", async () => {
    const run = await cli(["results", "--json", "--status", "succeeded"]);
    const rows = json(run.stdout);
    expect(rows.map((r: { id: string }) => r.id).sort()).toEqual([ids.ok1, ids.ok2].sort());
    expect(Object.keys(rows[0])).toEqual(
      expect.arrayContaining(["id", "taskName", "status", "args", "queueName", "priority", "backend", "attempts"]),
    );
    expect(rows[0].enqueuedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(rows.every((r: { returnValue?: unknown }) => "returnValue" in r)).toBe(true);
  });

  it("filters by task, queue, status (repeatable), since and limit", async () => {
    expect(json((await cli(["ls", "--json", "--task", "fail"])).stdout)).toHaveLength(2);
    expect(json((await cli(["ls", "--json", "--queue", "emails"])).stdout)[0].id).toBe(ids.ok2);
    expect(json((await cli(["ls", "--json", "--status", "ready", "--status", "FAILED"])).stdout)).toHaveLength(3);
    expect(json((await cli(["ls", "--json", "--limit", "2"])).stdout)).toHaveLength(2);
    expect(json((await cli(["ls", "--json", "--since", "1h"])).stdout)).toHaveLength(5);
    expect(json((await cli(["ls", "--json", "--since", "2099-01-01"])).stdout)).toHaveLength(0);
  });

  it("a filter that matches nothing says which --task or --queue the config does not know, and the likely one", async () => {
    const typo = await cli(["results", "--task", "recrod"]);
    expect(typo.exitCode).toBe(0);
    expect(typo.stdout).toBe('No task results match: no task "recrod" in the config (did you mean "record"?).');
    const queue = await cli(["results", "--queue", "nowhere"]);
    expect(queue.stdout).toBe(
      'No task results match: no queue "nowhere" in backend "default" (known: default, emails, slow).',
    );
    // A known name that matches nothing is not questioned.
    expect((await cli(["results", "--task", "record", "--since", "2099-01-01"])).stdout).toBe("No task results match.");
    const prune = await cli(["prune", "--dry-run", "--older-than", "0s", "--task", "recrod"]);
    expect(prune.stdout).toBe('Would delete 0 task results: no task "recrod" in the config (did you mean "record"?)');
    expect((await cli(["errors", "--task", "fial"])).stdout).toBe(
      'No failed tasks: no task "fial" in the config (did you mean "fail"?).',
    );
    expect((await cli(["retry", "--failed", "--task", "fial"])).stdout).toBe(
      'Retried 0 failed task results: no task "fial" in the config (did you mean "fail"?)',
    );
  });
});

describe("tasks show", () => {
  it("shows every field, args, return value and tracebacks; accepts prefixes and short ids", async () => {
    const failed = await cli(["show", String(ids.failed).slice(-12)]);
    expect(failed.exitCode).toBe(0);
    expect(failed.stdout).toContain(String(ids.failed));
    expect(failed.stdout).toMatch(/status\s+FAILED/);
    expect(failed.stdout).toContain("RangeError: bad thing");
    expect(failed.stdout).toContain("tasks.config.ts");
    const ok = await cli(["show", String(ids.ok1), "--json"]);
    expect(json(ok.stdout)).toMatchObject({ id: ids.ok1, status: "SUCCEEDED", returnValue: "one", args: ["one"] });
    const prefix = await cli(["show", String(ids.ok2).slice(0, 30), "--json"]);
    expect(json(prefix.stdout).id).toBe(ids.ok2);
  });

  it("an ambiguous prefix lists the candidates; an unknown id is a one-line error", async () => {
    const shared = String(ids.ok1).slice(0, 4);
    const ambiguous = await cli(["show", shared]);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toMatch(/is ambiguous: /);
    expect(ambiguous.stderr).toContain(String(ids.ok1));
    const unknown = await cli(["show", "ffffffffffff"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe('Error: no task result with an id matching "ffffffffffff"');
  });
});

describe("tasks errors", () => {
  it("groups failures by task and error class", async () => {
    const run = await cli(["errors", "--json"]);
    const [group] = json(run.stdout);
    expect(group).toMatchObject({ taskName: "fail", exceptionClass: "RangeError", count: 2 });
    expect(group.lastMessage).toMatch(/thing/);
    expect(group.sampleTraceback).toContain("RangeError");
    const table = await cli(["errors"]);
    expect(table.stdout).toMatch(/fail\s+RangeError\s+2/);
    const withTraceback = await cli(["errors", "--traceback"]);
    expect(withTraceback.stdout).toContain("at ");
  });
});

describe("tasks retry and cancel", () => {
  it("retry puts a FAILED result back to READY, keeping its errors; other states are refused", async () => {
    const run = await cli(["retry", String(ids.failed), String(ids.ok1), "--json"]);
    expect(run.exitCode).toBe(1);
    const [retried, refused] = json(run.stdout);
    expect(retried).toMatchObject({ id: ids.failed, ok: true });
    expect(refused).toMatchObject({ id: ids.ok1, ok: false });
    expect(refused.reason).toMatch(/SUCCEEDED/);
    const shown = json((await cli(["show", String(ids.failed), "--json"])).stdout);
    expect(shown).toMatchObject({ status: "READY", attempts: 1 });
    expect(shown.errors).toHaveLength(1);
  });

  it("cancel moves READY to CANCELLED; finished ones get an error; a summary line; exit 1 if any failed", async () => {
    const run = await cli(["cancel", String(ids.ready), String(ids.ok2), "nosuchid"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`cancelled ${ids.ready}`);
    expect(run.stdout).toMatch(/failed .*: .*SUCCEEDED/);
    expect(run.stdout).toMatch(/failed nosuchid: no task result/);
    expect(String(run.stdout).trim().split("\n").at(-1)).toBe("1 cancelled, 2 failed");
    const ok = await cli(["cancel", String(ids.failed)]);
    expect(ok.exitCode).toBe(0);
    expect(json((await cli(["show", String(ids.failed), "--json"])).stdout).status).toBe("CANCELLED");
  });

  it("an id given twice (in full and short) is changed and reported once; the report keeps the order given", async () => {
    const later = await enqueue(project, "noop", [], { runAfter: new Date(Date.now() + 3_600_000) });
    const text = await cli(["cancel", later.id, later.id.slice(-12), later.id]);
    expect({ code: text.exitCode, lines: String(text.stdout).trim().split("\n") }).toEqual({
      code: 0,
      lines: [`cancelled ${later.id}`, "1 cancelled, 0 failed"],
    });
    const again = await enqueue(project, "noop", [], { runAfter: new Date(Date.now() + 3_600_000) });
    const run = await cli(["cancel", again.id, "nosuchid", again.id.slice(-12), "--json"]);
    expect(json(run.stdout).map((o: { id: string; ok: boolean }) => [o.id, o.ok])).toEqual([
      [again.id, true],
      ["nosuchid", false],
    ]);
  });

  it("retry --failed retries every FAILED result matching the filters", async () => {
    const run = await cli(["retry", "--failed", "--task", "fail", "--json"]);
    expect(run.exitCode).toBe(0);
    expect(json(run.stdout)).toEqual({ retried: 1, ids: [ids.failed2] });
  });
});

describe("tasks prune", () => {
  it("--dry-run counts only; prune keeps READY/RUNNING and recent rows and respects --failed-older-than", async () => {
    const p = await makeProject();
    try {
      const local = (args: string[]) => tasks([...args, "--config", p.configPath], { cwd: p.dir });
      const oldOk = await enqueue(p, "noop");
      const oldFailed = await enqueue(p, "fail", ["x"]);
      const recentOk = await enqueue(p, "noop");
      await runBatchWorker(p);
      const ready = await enqueue(p, "noop");
      const db = new Database(`${p.dir}/db/tasks.sqlite3`);
      const setAge = db.prepare("UPDATE tasklane_results SET finished_at = ?, enqueued_at = ? WHERE id = ?");
      for (const r of [oldOk, oldFailed]) setAge.run(Date.now() - 40 * 86_400_000, Date.now() - 40 * 86_400_000, r.id);
      db.close();

      const dry = await local(["prune", "--older-than", "30d", "--dry-run"]);
      expect(dry.stdout).toBe("Would delete 2 task results");
      expect(json((await local(["results", "--json"])).stdout)).toHaveLength(4);

      const keepFailed = await local(["prune", "--older-than", "30d", "--failed-older-than", "90d", "--json"]);
      expect(json(keepFailed.stdout)).toEqual({ dryRun: false, deleted: 1 });
      const remaining = json((await local(["results", "--json"])).stdout).map((r: { id: string }) => r.id);
      expect(remaining.sort()).toEqual([oldFailed.id, recentOk.id, ready.id].sort());

      const all = await local(["prune", "--older-than", "30d"]);
      expect(all.stdout).toBe("Deleted 1 task result");
    } finally {
      await p.cleanup();
    }
  });
});

describe("enqueue --wait", () => {
  it("waits for a worker, prints the return value, exit 0; a failure exits 1 with its traceback", async () => {
    const p = await makeProject();
    try {
      const w = startWorker(p);
      await w.waitFor((e) => e.event === "started");
      const ok = await tasks(["enqueue", "record", "waited", "--wait", "--config", p.configPath], { cwd: p.dir });
      expect(ok.exitCode).toBe(0);
      expect(ok.stdout).toMatch(/record .* SUCCEEDED\n"waited"/);
      const bad = await tasks(["enqueue", "fail", "nope", "--wait", "--json", "--config", p.configPath], {
        cwd: p.dir,
      });
      expect(bad.exitCode).toBe(1);
      expect(json(bad.stdout)).toMatchObject({ status: "FAILED", errors: [{ exceptionClass: "RangeError" }] });
      w.proc.kill("SIGTERM");
      await w.proc;
      const late = await tasks(["enqueue", "noop", "--wait", "--timeout", "1s", "--config", p.configPath], {
        cwd: p.dir,
      });
      expect(late.exitCode).toBe(1);
      expect(late.stderr).toMatch(
        /^Error: timed out after 1s: noop .* is still READY; look it up later with: tasks show /,
      );
    } finally {
      await p.cleanup();
    }
  });
});

describe("bad input: one line, non-zero exit, nothing written", () => {
  const count = () => {
    const db = new Database(dbPath(), { readonly: true });
    const n = (db.prepare("SELECT count(*) AS n FROM tasklane_results").get() as { n: number }).n;
    db.close();
    return n;
  };
  const cases: [string, string[], number, RegExp][] = [
    ["unknown task", ["enqueue", "nope"], 2, /unknown task "nope"; registered tasks: /],
    ["malformed --args", ["enqueue", "record", "--args", "[1,"], 2, /--args: malformed JSON/],
    [
      "priority out of range",
      ["enqueue", "noop", "--priority", "500"],
      2,
      /priority must be an integer from -100 to 100/,
    ],
    ["unknown queue", ["enqueue", "noop", "--queue", "nope"], 2, /queue "nope" is not in backend "default" queues/],
    ["bad duration 30x", ["prune", "--older-than", "30x"], 2, /--older-than: "30x" is not a duration/],
    ["negative duration", ["prune", "--older-than=-1d"], 2, /--older-than: "-1d" is not a duration/],
    ["empty duration", ["prune", "--older-than="], 2, /--older-than: "" is not a duration/],
    ["bad --run-after", ["enqueue", "noop", "--run-after", "soon"], 2, /--run-after: "soon" is not a duration/],
    ["unknown status", ["results", "--status", "DONE"], 2, /--status: unknown status "DONE"; expected one of READY/],
    ["unknown id", ["show", "0000-nope"], 2, /no task result with an id matching "0000-nope"/],
    ["retry with neither ids nor --failed", ["retry"], 2, /give result ids, or --failed/],
    [
      "retry --task without --failed",
      ["retry", "--task", "fail"],
      2,
      /^Error: --task and --since narrow --failed or --group N: add --failed to retry what they match$/,
    ],
    [
      "the SCHEDULED label as a status",
      ["results", "--status", "scheduled"],
      2,
      /unknown status "scheduled"; expected one of .*\(SCHEDULED is how listings show a READY task whose run after time is still ahead: use --status READY\)/,
    ],
    ["bad --limit", ["results", "--limit", "0"], 2, /--limit must be from 1 to 10000/],
    [
      "a day past the month's end (Date would roll it over into March)",
      ["enqueue", "noop", "--run-after", "2026-02-30"],
      2,
      /^Error: --run-after: "2026-02-30" is not a date \(2026-02 has 28 days\); use a date such as 2026-11-29 or 2026-11-29T08:00$/,
    ],
    [
      "a month that does not exist",
      ["results", "--since", "2026-13-01"],
      2,
      /--since: "2026-13-01" is not a date \(there is no month 13\)/,
    ],
    [
      "a missing argument",
      ["why"],
      2,
      /^Error: Missing 1 required arg: id — Result id \(full, prefix or short id\) \(see: tasks why --help\)$/,
    ],
  ];
  for (const [what, args, code, message] of cases) {
    it(what, async () => {
      const before = count();
      const run = await cli(args);
      expect(run.exitCode).toBe(code);
      expect(String(run.stderr).trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(count()).toBe(before);
    });
  }

  it("a database locked longer than the busy timeout: one line, exit 1, nothing written", async () => {
    const p = await makeProject(PROJECT_CONFIG.replace("heartbeatMs: 200", "heartbeatMs: 200, busyTimeoutMs: 100"));
    try {
      await enqueue(p, "noop");
      const holder = new Database(`${p.dir}/db/tasks.sqlite3`);
      holder.prepare("BEGIN EXCLUSIVE").run();
      const run = await tasks(["enqueue", "noop", "--config", p.configPath], { cwd: p.dir });
      holder.prepare("ROLLBACK").run();
      const n = (holder.prepare("SELECT count(*) AS n FROM tasklane_results").get() as { n: number }).n;
      holder.close();
      expect(run.exitCode).toBe(1);
      expect(String(run.stderr).trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/database is locked/);
      expect(n).toBe(1);
    } finally {
      await p.cleanup();
    }
  });

  it("a database file that is not writable: one line, exit 1", async () => {
    const p = await makeProject();
    try {
      await enqueue(p, "noop");
      await p.config.close();
      // Root ignores file modes, so run the CLI as an unprivileged user when we are root.
      execFileSync("chmod", ["-R", "a+rX,a-w", p.dir]);
      const scratch = tempDir();
      execFileSync("chmod", ["777", scratch.dir]);
      const asUser = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
      const command = [...asUser, "node", BIN, "enqueue", "noop", "--config", p.configPath];
      const run = await execa(command[0] as string, command.slice(1), {
        cwd: p.dir,
        reject: false,
        env: { ...CHILD_ENV, HOME: scratch.dir, TMPDIR: scratch.dir },
      });
      scratch.cleanup();
      expect(run.exitCode).toBe(1);
      expect(String(run.stderr).trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/not writable|readonly|read-only/i);
    } finally {
      execFileSync("chmod", ["-R", "u+w", p.dir]);
      await p.cleanup();
    }
  });
});
