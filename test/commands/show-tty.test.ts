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
