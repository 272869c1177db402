import { describe, expect, it } from "vitest";
import { appFolder } from "../helpers/app-folder.js";
import { tasks, write } from "../helpers/cli.js";

// Apps made with Next.js, Vite or tsc --init import their own modules through tsconfig "paths".
const TSCONFIG = `{
  // comments and trailing commas, as tsc --init and frameworks write them
  "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"] }, },
}
`;
const CONFIG = `import { defineConfig, task } from "tasklane";
import { greeting } from "@/lib/greeting";
export const greet = task((name: string) => greeting(name));
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: ".tasks/tasks.sqlite3" } } },
  tasks: { greet },
});
`;

const folder = appFolder({
  "src/lib/greeting.ts": `export const greeting = (name: string) => \`hello \${name}\`;\n`,
  "tasks.config.ts": CONFIG,
});

const run = (args: string[]) => tasks(args, { cwd: folder() });

describe("a config that imports through tsconfig paths", () => {
  it("loads in the CLI and the worker, from the nearest tsconfig.json", async () => {
    write(folder(), "tsconfig.json", TSCONFIG);
    const enqueued = await run(["enqueue", "greet", "ada", "--json"]);
    expect(enqueued.exitCode, String(enqueued.stderr)).toBe(0);
    const { id } = JSON.parse(String(enqueued.stdout));
    expect((await run(["worker", "--batch", "--no-startup-delay"])).exitCode).toBe(0);
    const shown = await run(["show", id, "--json"]);
    expect(JSON.parse(String(shown.stdout)).returnValue).toBe("hello ada");
  });

  it("a tsconfig.json that cannot be read does not stop a config that needs no paths", async () => {
    write(folder(), "tsconfig.json", "{ broken");
    write(folder(), "tasks.config.ts", CONFIG.replace('from "@/lib/greeting"', 'from "./src/lib/greeting.ts"'));
    const listed = await run(["results"]);
    expect({ code: listed.exitCode, stderr: listed.stderr }).toEqual({ code: 0, stderr: "" });
  });
});
