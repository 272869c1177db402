import { createRequire } from "node:module";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { appFolder } from "../helpers/app-folder.js";
import { tasks } from "../helpers/cli.js";

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

const folder = appFolder(
  { "emails/Welcome.tsx": TEMPLATE, "helpers.ts": HELPERS, "tasks.config.ts": CONFIG },
  // The project's own react, as an app that renders templates has (tasklane's, for the test).
  { "node_modules/react": dirname(createRequire(import.meta.url).resolve("react/package.json")) },
);

describe("a config that imports .tsx modules", () => {
  it("compiles their JSX (automatic runtime) in the CLI and the worker; .ts generics and casts stay TypeScript", async () => {
    const run = (args: string[]) => tasks(args, { cwd: folder() });
    const enqueued = await run(["enqueue", "welcome", "ada", "--json"]);
    expect(enqueued.exitCode, String(enqueued.stderr)).toBe(0);
    const { id } = JSON.parse(String(enqueued.stdout));
    expect((await run(["worker", "--batch", "--no-startup-delay"])).exitCode).toBe(0);
    const shown = await run(["show", id, "--json"]);
    expect(JSON.parse(String(shown.stdout)).returnValue).toEqual({ children: ["Hello ", "ada"], size: 4 });
  });
});
