import { expect, it } from "vitest";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
import { BIN, tasks } from "../helpers/cli.js";
import { enqueue, makeProject, runBatchWorker } from "../helpers/project.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

/**
 * The tabbed `tasks watch` in a real terminal (tmux, 100×30; see watch-tmux.test.ts for why CI,
 * NO_COLOR and NODE_ENV are unset): keys sent in one chunk, every tab, marking rows for a bulk
 * retry, pausing a queue with P, the help view.
 */

const CONFIG = `${SHARED_TASKS}
/** Fails, then waits an hour before its next attempt: it stays on the Retries tab. */
export const retryLater = task({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 3_600_000, jitter: 0 } }, () => {
  throw new Error("gateway timeout");
});

export default defineConfig({
  backends: {
    default: {
      backend: "sqlite",
      queues: ["default", "emails"],
      options: { path: "db/tasks.sqlite3", heartbeatMs: 200, leaseMs: 2000 },
    },
  },
  tasks: { ${SHARED_TASK_NAMES}, retryLater },
  schedules: { nightly: { task: noop, cron: "0 3 * * *" } },
});
`;

const { screen, project } = tmuxProject("watch-tabs", () => makeProject(CONFIG));
const { keys, waitForPane } = screen;
const selected = (text: string) => text.split("\n").find((line) => line.startsWith("›")) ?? "";

const status = async (id: string) => {
  const shown = await tasks(["show", id, "--json", "--config", project().configPath], { cwd: project().dir });
  return JSON.parse(String(shown.stdout)).status;
};
const queueState = async (queue: string) => {
  const run = await tasks(["watch", "--json", "--config", project().configPath], { cwd: project().dir });
  return JSON.parse(String(run.stdout)).queues.find((q: { queueName: string }) => q.queueName === queue)?.paused;
};

it.skipIf(!canUseTmux)(
  "tabs, keys in one chunk, marked rows retried together, P pauses and resumes a queue, ? lists the keys",
  async () => {
    // Newest first, the list reads: noop (deferred), retryLater, record, emails, fail b, fail a.
    const failA = await enqueue(project(), "fail", ["card declined"]);
    const failB = await enqueue(project(), "fail", ["card expired"]);
    await enqueue(project(), "emails", ["ada@example.com"]);
    await enqueue(project(), "record", ["third"]);
    await enqueue(project(), "retryLater");
    await enqueue(project(), "noop", [], { runAfter: new Date(Date.now() + 3_600_000) });
    expect((await runBatchWorker(project())).exitCode).toBe(0);

    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${shellQuote(project().dir)}`,
      `node ${shellQuote(BIN)} watch --config ${shellQuote(project().configPath)} --interval 300ms;`,
      "echo EXIT=$?;",
      "sleep 60",
    ].join(" ");
    screen.start(command, { x: 100, y: 30 }, project().dir);
    let text = await waitForPane((t) => /SUCCEEDED 2\s+FAILED 2/.test(t) && t.includes(failA.id.slice(-12)), "data");
    expect(text).toContain("[1 Overview]  2 Queues  3 Scheduled  4 Retries  5 Errors  6 Workers  7 Schedules");
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(29);

    // j j Enter in one send-keys: the third row opens (the Enter used to be lost).
    keys("j", "j", "Enter");
    text = await waitForPane((t) => t.includes("record SUCCEEDED"), "the third row's detail");
    expect(text).toContain('"third"');
    keys("Escape");
    await waitForPane((t) => /SUCCEEDED\s+record/.test(selected(t)), "the list again");

    // Mark both FAILED rows (the last two) and retry them together.
    keys("G", "Space", "k", "Space");
    text = await waitForPane((t) => t.includes("2 marked"), "two rows marked");
    keys("R");
    await waitForPane((t) => t.includes("Retry 2 FAILED tasks? (y/n)"), "the count in the question");
    keys("y");
    await waitForPane((t) => t.includes("Retried 2 tasks") && !t.includes("marked"), "the outcome");
    expect([await status(failA.id), await status(failB.id)]).toEqual(["READY", "READY"]);

    keys("3");
    text = await waitForPane((t) => t.includes("SCHEDULED deferred") && /in (59m|1h)\s+noop/.test(t), "Scheduled");
    keys("4");
    text = await waitForPane((t) => /retryLater\s+default\s+1\/3\s+Error: gateway timeout/.test(t), "Retries");
    keys("5");
    text = await waitForPane((t) => t.includes("ERRORS") && /RangeError at tasks\.config\.ts/.test(t), "Errors");
    keys("6");
    await waitForPane((t) => t.includes("no live worker"), "Workers");
    keys("7");
    await waitForPane((t) => /nightly\s+noop\s+0 3 \* \* \*\s+local \(\S+\)\s+-\s+in /.test(t), "Schedules");

    // P on the Queues tab, behind a confirmation.
    keys("2");
    await waitForPane((t) => /›\s+default\s+active/.test(t), "Queues");
    keys("j", "P");
    await waitForPane((t) => t.includes("Pause queue emails? Workers start none of its tasks"), "the pause question");
    keys("y");
    await waitForPane((t) => /›\s+emails\s+paused/.test(t) && t.includes("Paused emails"), "emails paused");
    expect(await queueState("emails")).toBe(true);
    keys("P");
    await waitForPane((t) => t.includes("Resume queue emails?"), "the resume question");
    keys("y");
    await waitForPane((t) => /›\s+emails\s+active/.test(t), "emails active again");
    expect(await queueState("emails")).toBe(false);

    keys("?");
    text = await waitForPane((t) => t.includes("KEYS · lines 1-"), "the help");
    expect(text).toContain("switch tab: 1 Overview, 2 Queues");
    keys("q");
    await waitForPane((t) => t.includes("QUEUES"), "help closed, still running");
    keys("q");
    text = await waitForPane((t) => t.includes("EXIT="), "the shell again");
    expect(text).toContain("EXIT=0");
  },
  60_000,
);
