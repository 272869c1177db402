import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { BIN, tasks } from "../helpers/cli.js";
import { enqueue, runBatchWorker } from "../helpers/project.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

/**
 * `tasks watch` in a real terminal: tmux gives it a TTY of 100×30. A private tmux server
 * (-L) keeps the test away from anyone's sessions. CI and NO_COLOR are unset for the
 * command (with CI set, Ink prints only the final frame), and NODE_ENV too: under
 * NODE_ENV=test oclif runs src/ through tsx, which compiles .tsx with the classic JSX
 * runtime when the working folder has no tsconfig ("React is not defined"). This runs the
 * built dist/, as users do.
 */

const { screen, project } = tmuxProject("watch");
const { tmux, keys, waitForPane } = screen;
const session = "watch";
const quote = shellQuote;
const selected = (text: string) => text.split("\n").find((line) => line.startsWith("›")) ?? "";

it.skipIf(!canUseTmux)(
  "live dashboard in a real terminal: counts update, detail with traceback, retry after y, q restores the terminal",
  async () => {
    const exitFile = join(project().dir, "watch-exit");
    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)}`,
      `node ${quote(BIN)} watch --config ${quote(project().configPath)} --interval 300ms;`,
      `echo EXIT=$? | tee ${quote(exitFile)};`,
      // Raw mode must be off again: the shell's terminal is back to icanon and echo.
      `stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo;`,
      "sleep 60",
    ].join(" ");
    screen.start(command, { x: 100, y: 30 }, project().dir);

    let text = await waitForPane((t) => /READY 0\s+RUNNING 0\s+SUCCEEDED 0\s+FAILED 0/.test(t), "empty counts");
    expect(text).toContain("tasklane watch");
    expect(text).toContain("q quit");
    expect(tmux("display", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").trim()).toBe("1 0");

    // Work arrives from another process: the failing task first, so it ends third from the top.
    const failed = await enqueue(project(), "fail", ["card declined"]);
    await enqueue(project(), "record", ["a"]);
    await enqueue(project(), "record", ["b"]);
    text = await waitForPane((t) => /READY 3\s+RUNNING 0/.test(t), "three READY tasks");
    const worker = await runBatchWorker(project());
    expect(worker.exitCode).toBe(0);
    text = await waitForPane((t) => /READY 0\s+RUNNING 0\s+SUCCEEDED 2\s+FAILED 1/.test(t), "the finished counts");
    // At most rows − 1 lines: a full-height frame makes Ink clear the whole screen each time.
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(29);

    keys("j", "j");
    text = await waitForPane((t) => /FAILED\s+fail\s/.test(selected(t)), "the FAILED row selected");
    expect(selected(text)).toContain(failed.id.slice(-12));

    keys("Enter");
    text = await waitForPane((t) => t.includes("errors (1)"), "the detail view");
    expect(text).toContain("#1 RangeError: card declined");
    keys("G");
    text = await waitForPane((t) => t.includes("tasks.config.ts"), "the traceback's frames");
    keys("Escape");
    await waitForPane((t) => t.includes("RESULTS") && /FAILED\s+fail/.test(selected(t)), "the list again");

    keys("R");
    await waitForPane((t) => t.includes(`Retry fail ${failed.id}? (y/n)`), "the retry question");
    keys("y");
    text = await waitForPane((t) => t.includes("Retried fail") && /READY\s+fail/.test(selected(t)), "the outcome");
    const shown = await tasks(["show", failed.id, "--json", "--config", project().configPath], { cwd: project().dir });
    expect(JSON.parse(String(shown.stdout))).toMatchObject({ id: failed.id, status: "READY", attempts: 1 });

    keys("q");
    text = await waitForPane((t) => t.includes("EXIT="), "the exit line");
    expect(text).toContain("EXIT=0");
    expect(readFileSync(exitFile, "utf8").trim()).toBe("EXIT=0");
    await waitForPane((t) => /icanon echo/.test(t), "the terminal back in cooked mode");
    // The alternate screen is gone (the shell's screen is back) and the cursor is visible again.
    expect(tmux("display", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
    expect(text).not.toContain("RESULTS");
  },
  40_000,
);

it.skipIf(!canUseTmux)(
  "on a terminal with stdin redirected (no keys to read): the plain snapshot, exit 0, not a raw-mode error",
  async () => {
    await enqueue(project(), "fail", ["line one\nline two"]);
    await runBatchWorker(project());
    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)}`,
      `node ${quote(BIN)} watch --config ${quote(project().configPath)} < /dev/null;`,
      "echo EXIT=$?; sleep 60",
    ].join(" ");
    screen.start(command, { x: 100, y: 30 }, project().dir);
    const text = await waitForPane((t) => t.includes("EXIT="), "the end of tasks watch");
    expect(text).toContain("EXIT=0");
    expect(text).toMatch(/^Counts\s+READY 0\s+RUNNING 0\s+SUCCEEDED 0\s+FAILED 1/m);
    expect(text).not.toContain("Raw mode");
  },
);

it.skipIf(!canUseTmux)(
  "a multi-line error message keeps the screen whole: one row on the Errors tab, one header",
  async () => {
    // Short lines: the group's LAST MESSAGE cell holds the first two line breaks.
    await enqueue(project(), "fail", ["one\ntwo\nthree"]);
    await runBatchWorker(project());
    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)}`,
      `node ${quote(BIN)} watch --config ${quote(project().configPath)} --tab errors --interval 300ms;`,
      "sleep 60",
    ].join(" ");
    // 12 lines: a list row broken across three would push the screen past them.
    screen.start(command, { x: 100, y: 12 }, project().dir);
    const headerOnce = (t: string) => t.split("\n").filter((line) => line.includes("tasklane watch")).length === 1;
    let text = await waitForPane((t) => t.includes("RangeError"), "the failure group");
    // A row broken across lines pushed the header off the top, and Ink, counting the screen
    // wrong, left stale header lines behind at each refresh: look after a later refresh.
    const updated = (t: string) => /updated (\S+)/.exec(t)?.[1];
    const shown = updated(text);
    text = await waitForPane((t) => updated(t) !== undefined && updated(t) !== shown, "a later refresh");
    expect(text.split("\n")[0]).toContain("tasklane watch");
    expect(headerOnce(text)).toBe(true);
    expect(text).not.toMatch(/^\s*(two|three)/m);
    keys("q");
  },
);
