import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { appFolder } from "../helpers/app-folder.js";
import { BIN, CHILD_ENV, tasks } from "../helpers/cli.js";

// TypeORM- or NestJS-style entities: legacy decorators on class fields, which jiti's compiler
// cannot build ("Decorating class property failed") and tsx (esbuild) can.
const ENTITY = `function Entity(): ClassDecorator { return () => {}; }
function Column(): PropertyDecorator { return () => {}; }
@Entity()
export class User {
  @Column() name = "ada";
}
`;
const CONFIG = `import { defineConfig, task } from "tasklane";
import { User } from "./entity";
export const nameOf = task(() => new User().name);
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: ".tasks/tasks.sqlite3" } } },
  tasks: { nameOf },
});
`;
const TSX = createRequire(import.meta.url).resolve("tsx");

const folder = appFolder(
  {
    "tsconfig.json": '{ "compilerOptions": { "experimentalDecorators": true } }\n',
    "entity.ts": ENTITY,
    "tasks.config.ts": CONFIG,
  },
  // Installed in the project, as an app that imports "tasklane" has it.
  { "node_modules/tasklane": join(dirname(BIN), "..") },
);

describe("the CLI under the user's own module loader (node --import tsx)", () => {
  it("loads the config through that loader, in the CLI and the worker", async () => {
    const run = (args: string[]) => tasks(args, { cwd: folder(), env: { NODE_OPTIONS: `--import ${TSX}` } });
    const enqueued = await run(["enqueue", "nameOf", "--json"]);
    expect(enqueued.exitCode, String(enqueued.stderr)).toBe(0);
    const { id } = JSON.parse(String(enqueued.stdout));
    expect((await run(["worker", "--batch", "--no-startup-delay"])).exitCode).toBe(0);
    const shown = await run(["show", id, "--json"]);
    expect(JSON.parse(String(shown.stdout))).toMatchObject({ status: "SUCCEEDED", returnValue: "ada" });
  });

  it("worker --reload starts its worker with the same Node options", async () => {
    const enqueued = await tasks(["enqueue", "nameOf", "--json"], {
      cwd: folder(),
      env: { NODE_OPTIONS: `--import ${TSX}` },
    });
    const { id } = JSON.parse(String(enqueued.stdout));
    const supervisor = execa("node", ["--import", TSX, BIN, "worker", "--reload", "--json", "--no-startup-delay"], {
      cwd: folder(),
      reject: false,
      stdin: "ignore",
      env: CHILD_ENV,
    });
    const finished = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let buffer = "";
      supervisor.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        for (const line of buffer.split("\n")) {
          if (!line.startsWith("{")) continue;
          const event = JSON.parse(line) as Record<string, unknown>;
          if (event.event === "taskFinished" && event.id === id) resolve(event);
        }
        buffer = buffer.slice(buffer.lastIndexOf("\n") + 1);
      });
      void supervisor.then((r) => reject(new Error(`supervisor exited (${r.exitCode}): ${r.stderr}`)));
    });
    expect(finished.status).toBe("SUCCEEDED");
    supervisor.kill("SIGTERM");
    expect((await supervisor).exitCode).toBe(0);
  });
});
