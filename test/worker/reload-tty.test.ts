import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { enqueue, makeProject } from "../helpers/project.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

// `tasks worker --reload` on a real terminal (tmux): the supervisor's messages stay on screen
// above the live status line, and a reload never reads like a Ctrl+C.
const CONFIG = `
import { defineConfig } from "tasklane";
import { slow, version } from "./jobs.ts";
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "db/tasks.sqlite3" } } },
  tasks: { slow, version },
});
`;
const jobs = (label: string) => `
import { task } from "tasklane";
export const version = task(() => "${label}");
export const slow = task(async (ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return "slow ${label}";
});
`;

const { screen, project } = tmuxProject("reload", () => makeProject(CONFIG, { "jobs.ts": jobs("v1") }));

it.skipIf(!canUseTmux)("keeps the reload messages on screen and never shows the Ctrl+C text for a reload", async () => {
  const command = [
    `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${shellQuote(project().dir)}`,
    `node ${shellQuote(BIN)} worker --reload --no-startup-delay --config ${shellQuote(project().configPath)};`,
    `echo EXIT=$?;`,
    "sleep 60",
  ].join(" ");
  screen.start(command, { x: 150, y: 30 }, project().dir);
  const first = await screen.waitForPane((t) => /queues default/.test(t), "the first status line");
  const firstId = /(\S+-\d+-\w+)\s+queues default/.exec(first)?.[1];
  expect(firstId).toBeDefined();

  // A reload while a task runs: the old worker finishes it first.
  const long = await enqueue(project(), "slow", [2000]);
  await screen.waitForPane((t) => /running 1/.test(t), "the running task");
  writeFileSync(join(project().dir, "jobs.ts"), jobs("v2"));
  const seen: string[] = [];
  const reloaded = await (async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = screen.pane();
      seen.push(text);
      const id = /(\S+-\d+-\w+)\s+queues default/.exec(text)?.[1];
      if (id && id !== firstId) return text;
      if (Date.now() > deadline) throw new Error(`no new worker; the pane shows:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  expect(seen.some((t) => t.includes("reloading: the running tasks finish"))).toBe(true);
  expect(seen.filter((t) => t.includes("Ctrl+C again"))).toEqual([]);
  // The message is still there once the new worker runs.
  expect(reloaded).toMatch(/\[reload\] change detected \(.*jobs\.ts\), reloading/);
  await long.refresh();
  expect(long.returnValue).toBe("slow v1");

  // Broken code: the whole message, on a line of its own, and the worker keeps running.
  writeFileSync(join(project().dir, "jobs.ts"), `${jobs("v3")}\nexport const broken = ;\n`);
  const broken = await screen.waitForPane((t) => t.includes("does not load"), "the load error");
  expect(broken).toMatch(
    /\[reload\] the changed code does not load, keeping the running worker: .*jobs\.ts:\d+:\d+: syntax error/,
  );
  expect(broken).toMatch(/\[reload\] change detected/); // the earlier message is still on screen

  screen.keys("C-c");
  const stopped = await screen.waitForPane((t) => t.includes("EXIT="), "the exit");
  expect(stopped).toContain("EXIT=0");
});
