import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { BIN, tasks } from "../helpers/cli.js";
import { enqueue } from "../helpers/project.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

// `tasks show` of a result with a huge argument: cut on a terminal, whole through a pipe.
const { screen, project } = tmuxProject("show");
const quote = shellQuote;

it.skipIf(!canUseTmux)(
  "cuts a huge value on a terminal, saying how much and how to get it all; a pipe gets it all",
  async () => {
    const huge = "x".repeat(30_000);
    const result = await enqueue(project(), "record", [huge]);
    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)}`,
      `node ${quote(BIN)} show ${result.id} --config ${quote(project().configPath)};`,
      "echo SHOW-DONE; sleep 60",
    ].join(" ");
    screen.start(command, { x: 120, y: 20 }, project().dir);
    const pane = await screen.waitForPane((text) => text.includes("SHOW-DONE"), "the end of tasks show");
    // ["xxx…"] is 30,008 characters: 10,000 shown, 20,008 left out.
    expect(pane).toContain(`… 20,008 more characters: tasks show ${result.id} --json prints it all`);

    const piped = await tasks(["show", result.id, "--config", project().configPath], { cwd: project().dir });
    expect(piped.exitCode).toBe(0);
    expect(String(piped.stdout)).toContain(huge);
    expect(String(piped.stdout)).not.toContain("more characters");
  },
);

it.skipIf(!canUseTmux)("tasks enqueue --wait cuts a huge return value on a terminal the same way", async () => {
  const tasksCommand = `node ${quote(BIN)}`;
  const config = quote(project().configPath);
  // A worker in the background; the enqueue waits for it to run \`record\`, which returns its
  // 30,000-character argument.
  writeFileSync(
    join(project().dir, "wait.sh"),
    [
      `${tasksCommand} worker --no-startup-delay --config ${config} >/dev/null 2>&1 &`,
      "worker=$!",
      `${tasksCommand} enqueue record "$(head -c 30000 /dev/zero | tr '\\0' x)" --wait --config ${config}`,
      'kill "$worker"',
    ].join("\n"),
  );
  const command = `env -u CI -u NO_COLOR -u NODE_ENV TASKLANE_TEST_DIR=${quote(project().dir)} sh wait.sh; echo WAIT-DONE; sleep 60`;
  screen.start(command, { x: 120, y: 20 }, project().dir);
  const pane = await screen.waitForPane((text) => text.includes("WAIT-DONE"), "the end of tasks enqueue --wait");
  // "xxx…" is 30,002 characters as JSON: 10,000 shown, 20,002 left out.
  expect(pane).toMatch(/… 20,002 more characters: tasks show \S+ --json prints it all/);
});
