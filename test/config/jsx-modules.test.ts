import { mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tasks, tempDir, write } from "../helpers/cli.js";

// A task that renders an email template: a .tsx component, written for tsc's "jsx": "react-jsx"
// (no React import), next to plain .ts modules whose generics and casts must not read as JSX.
const TEMPLATE = `export function Welcome(props: { name: string }) {
  return <p>Hello {props.name}</p>;
}
`;
const HELPERS = `export const first = <T>(items: T[]) => items[0];
const loose: unknown = "text";
export const size = (<string>loose).length;
`;
const CONFIG = `import { defineConfig, task } from "tasklane";
import { Welcome } from "./emails/Welcome";
import { first, size } from "./helpers";
export const welcome = task((name: string) => ({ children: first([Welcome({ name }).props.children]), size }));
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: ".tasks/tasks.sqlite3" } } },
  tasks: { welcome },
});
`;

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
  mkdirSync(join(temp.dir, "emails"));
  mkdirSync(join(temp.dir, "node_modules"));
  // The project's own react, as an app that renders templates has (tasklane's, for the test).
  const react = dirname(createRequire(import.meta.url).resolve("react/package.json"));
  symlinkSync(react, join(temp.dir, "node_modules/react"));
  write(temp.dir, "emails/Welcome.tsx", TEMPLATE);
  write(temp.dir, "helpers.ts", HELPERS);
  write(temp.dir, "tasks.config.ts", CONFIG);
});
afterEach(() => temp.cleanup());

describe("a config that imports .tsx modules", () => {
  it("compiles their JSX (automatic runtime) in the CLI and the worker; .ts generics and casts stay TypeScript", async () => {
    const run = (args: string[]) => tasks(args, { cwd: temp.dir });
    const enqueued = await run(["enqueue", "welcome", "ada", "--json"]);
    expect(enqueued.exitCode, String(enqueued.stderr)).toBe(0);
    const { id } = JSON.parse(String(enqueued.stdout));
    expect((await run(["worker", "--batch", "--no-startup-delay"])).exitCode).toBe(0);
    const shown = await run(["show", id, "--json"]);
    expect(JSON.parse(String(shown.stdout)).returnValue).toEqual({ children: ["Hello ", "ada"], size: 4 });
  });
});
