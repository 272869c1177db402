import { execFileSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach } from "vitest";
import { makeProject, type Project } from "./project.js";

/** Whether tmux is installed. Tests needing it skip without it locally, but fail under CI (.ci/run installs it). */
export const canUseTmux = (() => {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return Boolean(process.env.CI);
  }
})();

/** Single-quotes a string for the shell command a tmux session runs. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A private tmux server (-L socket) with one session: a real terminal for end-to-end tests of
 * the Ink screens, kept away from anyone's own tmux sessions.
 */
export function tmuxSession(name: string) {
  const socket = `tasklane-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const pane = () => tmux("capture-pane", "-p", "-t", name);
  return {
    tmux,
    pane,
    start: (command: string, size: { x: number; y: number }, cwd: string) =>
      tmux("new-session", "-d", "-s", name, "-x", String(size.x), "-y", String(size.y), "-c", cwd, command),
    keys: (...keys: string[]) => tmux("send-keys", "-t", name, ...keys),
    /** Polls the pane until the predicate holds: the screens redraw on their own timers. */
    async waitForPane(predicate: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = pane();
        if (predicate(text)) return text;
        if (Date.now() > deadline) throw new Error(`pane never showed ${what}; it shows:\n${text}`);
        await delay(100);
      }
    },
    kill() {
      try {
        tmux("kill-server");
      } catch {
        // already gone
      }
    },
  };
}

/**
 * A tmux session and a fresh project for each test of the file: the project is made before the
 * test (by `make`, default makeProject()), the session killed and the project removed after.
 */
export function tmuxProject(name: string, make: () => Promise<Project> = () => makeProject()) {
  const screen = tmuxSession(name);
  let current: Project | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    screen.kill();
    await current?.cleanup();
  });
  const project = () => {
    if (!current) throw new Error("tmuxProject(): the project exists inside a test");
    return current;
  };
  return { screen, project };
}
