import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { enqueue } from "../helpers/project.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

// `tasks worker` on a real terminal (tmux): the live Ink status line, and Ctrl+C. CI, NO_COLOR
// and NODE_ENV are unset for the command so it renders as it does for a user.
const { screen, project } = tmuxProject("worker");
const quote = shellQuote;

it.skipIf(!canUseTmux)("shows a live status line on a terminal and exits 0 on Ctrl+C", async () => {
  const command = [
    `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)}`,
    `node ${quote(BIN)} worker --no-startup-delay --worker-id tty-worker --config ${quote(project().configPath)};`,
    `echo EXIT=$? > ${quote(join(project().dir, "exit"))}; echo EXIT=$?;`,
    "sleep 60",
  ].join(" ");
  screen.start(command, { x: 120, y: 10 }, project().dir);
  await screen.waitForPane((t) => t.includes("tty-worker") && t.includes("succeeded 0"), "the status line");

  await enqueue(project(), "noop");
  await enqueue(project(), "noop");
  await enqueue(project(), "fail", ["declined"]);
  const text = await screen.waitForPane((t) => /succeeded 2/.test(t) && /failed 1/.test(t), "the counts after 3 tasks");
  expect(text).toMatch(/queues default,emails,slow/);
  expect(text).toContain("last failure: fail");

  screen.keys("C-c");
  await screen.waitForPane((t) => t.includes("EXIT=0"), "the worker's exit");
});

it.skipIf(!canUseTmux)(
  "shows a failure's first line only, and a store error as it comes (here the database deleted: exit 1)",
  async () => {
    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)}`,
      `node ${quote(BIN)} worker --no-startup-delay --worker-id tty-worker --config ${quote(project().configPath)};`,
      "echo EXIT=$?; sleep 60",
    ].join(" ");
    screen.start(command, { x: 160, y: 12 }, project().dir);
    await screen.waitForPane((t) => t.includes("tty-worker") && t.includes("succeeded 0"), "the status line");

    const failed = await enqueue(project(), "fail", ["first line\nsecond line"]);
    const pane = await screen.waitForPane((t) => /failed 1/.test(t), "the count after the failure");
    const text = pane.replace(/\s+/g, " "); // a long line wraps at the pane's edge
    expect(text).toContain(
      `last failure: fail ${failed.id}: RangeError: first line … 12 more characters: tasks show ${failed.id} --json prints it all`,
    );
    expect(text).not.toContain("second line");

    rmSync(join(project().dir, "db"), { recursive: true });
    const gone = (await screen.waitForPane((t) => t.includes("EXIT="), "the worker's exit")).replace(/\s+/g, " ");
    expect(gone).toMatch(/⚠ \d\d:\d\d:\d\d store gone: database \S+ was deleted while this worker ran/);
    expect(gone).toContain("EXIT=1");
  },
);
