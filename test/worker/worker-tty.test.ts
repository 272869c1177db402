import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { enqueue, makeProject, type Project } from "../helpers/project.js";

// `tasks worker` on a real terminal (tmux): the live Ink status line, and Ctrl+C. CI, NO_COLOR
// and NODE_ENV are unset for the command so it renders as it does for a user.
const socket = `tasklane-worker-${process.pid}`;
const session = "worker";
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
const pane = () => tmux("capture-pane", "-p", "-t", session);
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

async function waitForPane(predicate: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = pane();
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`pane never showed ${what}; it shows:\n${text}`);
    await delay(100);
  }
}

let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  try {
    tmux("kill-server");
  } catch {
    // already gone
  }
  await project.cleanup();
});

it("shows a live status line on a terminal and exits 0 on Ctrl+C", async () => {
  const command = [
    `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project.dir)}`,
    `node ${quote(BIN)} worker --no-startup-delay --worker-id tty-worker --config ${quote(project.configPath)};`,
    `echo EXIT=$? > ${quote(join(project.dir, "exit"))}; echo EXIT=$?;`,
    "sleep 60",
  ].join(" ");
  tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "10", "-c", project.dir, command);
  await waitForPane((t) => t.includes("tty-worker") && t.includes("succeeded 0"), "the status line");

  await enqueue(project, "noop");
  await enqueue(project, "noop");
  await enqueue(project, "fail", ["declined"]);
  const text = await waitForPane((t) => /succeeded 2/.test(t) && /failed 1/.test(t), "the counts after 3 tasks");
  expect(text).toMatch(/queues default,emails,slow/);
  expect(text).toContain("last failure: fail");

  tmux("send-keys", "-t", session, "C-c");
  await waitForPane((t) => t.includes("EXIT=0"), "the worker's exit");
});
