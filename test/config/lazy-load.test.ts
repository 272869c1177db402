import { mkdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHILD_ENV, tempDir, write } from "../helpers/cli.js";

// An app that never imports its tasks.config: the first enqueue finds and loads it. The app
// imports "tasklane" as an installed package (node_modules/tasklane → this repo's built dist).
const REPO = resolve(import.meta.dirname, "../..");
const TSX = join(REPO, "node_modules/tsx/dist/esm/index.mjs");

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
  mkdirSync(join(temp.dir, "node_modules"));
  symlinkSync(REPO, join(temp.dir, "node_modules", "tasklane"));
  write(temp.dir, "package.json", '{ "type": "module" }');
});
afterEach(() => temp.cleanup());

const config = (tasksModule: string) =>
  `import { defineConfig } from "tasklane";\nimport { double } from "./${tasksModule}";\nexport default defineConfig({ tasks: { double } });\n`;
const app = (tasksModule: string) =>
  `import { double } from "./${tasksModule}";\nconst result = await double.enqueue(21);\nconsole.log(result.taskName, result.status, result.returnValue);\n`;

describe("lazy config loading on first enqueue", () => {
  it("a TypeScript app run with tsx: the config shares the app's task modules", async () => {
    write(
      temp.dir,
      "tasks.ts",
      `import { task } from "tasklane";\nexport const double = task((x: number) => x * 2);\n`,
    );
    write(temp.dir, "tasks.config.ts", config("tasks.ts"));
    write(temp.dir, "app.ts", app("tasks.ts"));
    const run = await execa("node", ["--import", TSX, "app.ts"], { cwd: temp.dir, env: CHILD_ENV, reject: false });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("double SUCCEEDED 42");
  });

  it("a plain JavaScript app with a .mjs config", async () => {
    write(temp.dir, "tasks.mjs", `import { task } from "tasklane";\nexport const double = task((x) => x * 2);\n`);
    write(temp.dir, "tasks.config.mjs", config("tasks.mjs"));
    write(temp.dir, "app.mjs", app("tasks.mjs"));
    const run = await execa("node", ["app.mjs"], { cwd: temp.dir, env: CHILD_ENV, reject: false });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("double SUCCEEDED 42");
  });

  it("a task the config does not register is refused with a clear error", async () => {
    write(
      temp.dir,
      "tasks.mjs",
      `import { task } from "tasklane";\nexport const double = task((x) => x * 2);\nexport const stray = task((x) => x);\n`,
    );
    write(temp.dir, "tasks.config.mjs", config("tasks.mjs"));
    write(temp.dir, "app.mjs", `import { stray } from "./tasks.mjs";\nawait stray.enqueue(1);\n`);
    const run = await execa("node", ["app.mjs"], { cwd: temp.dir, env: CHILD_ENV, reject: false });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/InvalidTaskError: Task "anonymous": not registered in the config's tasks/);
  });
});
