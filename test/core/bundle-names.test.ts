import { describe, expect, it } from "vitest";
import type * as Api from "../../src/index.js";

// The built bundle (scripts/build.mjs) keeps every class's name as the sources give it: error
// classes report their name from it, and a task logged with console.log reads `Task {…}`. esbuild
// writes a class that names itself in its body as `var X = class _X`, named "_X" unless the build
// gives it its name back.
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
const api = (await import(dist("index.js"))) as typeof Api;

const isClass = (value: unknown): value is abstract new (...args: never[]) => unknown =>
  typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));

describe("the built package's classes", () => {
  it("keep their names: every exported class, a task, an error, a command", async () => {
    const classes = Object.entries(api).filter(([, value]) => isClass(value));
    expect(classes.length).toBeGreaterThan(10);
    for (const [exported, value] of classes) expect((value as { name: string }).name, exported).toBe(exported);
    expect(api.task((n: number) => n).constructor.name).toBe("Task");
    expect(new api.ConfigError("x").name).toBe("ConfigError");
    expect(api.TaskError.from(new RangeError("r")).constructor.name).toBe("TaskError");
    const show = (await import(dist("commands/show.js"))) as { default: { name: string } };
    expect(show.default.name).toBe("Show");
  });
});
