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
