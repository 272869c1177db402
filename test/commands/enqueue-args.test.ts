import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../helpers/cli.js";
import { makeProject, type Project } from "../helpers/project.js";

// The project's config imports zod by path: a temp folder has no node_modules of its own.
const zod = createRequire(import.meta.url).resolve("zod");
const CONFIG = `
import { defineConfig, task } from "tasklane";
import { z } from ${JSON.stringify(zod)};

export const sendEmail = task(async (to: string, subject: string) => ({ to, subject }));
export const slow = task({ args: z.tuple([z.number().int().positive()]) }, async (ms) => ms);
export const greet = task({ args: z.tuple([z.string(), z.number().default(1)]) }, (name, times) => name.repeat(times));

export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "db/tasks.sqlite3" } } },
  tasks: { sendEmail, slow, greet },
});
`;

let project: Project;
beforeAll(async () => {
  project = await makeProject(CONFIG);
});
afterAll(async () => {
  await project.cleanup();
});
const cli = (args: string[]) => tasks([...args, "--config", project.configPath], { cwd: project.dir });

describe("tasks enqueue checks the arguments before storing anything", () => {
  it.each([
    [["sendEmail", "onlyone"], /^Error: Task "sendEmail": takes 2 arguments, got 1$/],
    [["sendEmail", "a", "b", "c"], /^Error: Task "sendEmail": takes 2 arguments, got 3$/],
    [["slow", "notanumber"], /^Error: Task "slow": args\[0\]: Invalid input: expected number, received string$/],
    [["slow", "-5"], /^Error: Task "slow": args\[0\]: Too small: expected number to be >0$/],
    [["slow", "--args", '["x"]'], /^Error: Task "slow": args\[0\]: Invalid input: expected number, received string$/],
  ])("%j: one line, exit 2", async (args, message) => {
    const run = await cli(["enqueue", ...args]);
    expect({ code: run.exitCode, stdout: run.stdout }).toEqual({ code: 2, stdout: "" });
    expect(String(run.stderr).trim().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  it("stores nothing for a refused enqueue", async () => {
    const listed = await cli(["results", "--json"]);
    expect(JSON.parse(String(listed.stdout))).toEqual([]);
  });

  it("coerces the typed strings by the schema: numbers where it wants numbers, text where it wants text", async () => {
    const slow = await cli(["enqueue", "slow", "250", "--json"]);
    expect(slow.exitCode).toBe(0);
    expect(JSON.parse(String(slow.stdout)).args).toEqual([250]);
    // "007" reads as JSON 7, but the schema wants a string here: the text typed is kept.
    const greet = await cli(["enqueue", "greet", "007", "--json"]);
    expect(greet.exitCode).toBe(0);
    expect(JSON.parse(String(greet.stdout)).args).toEqual(["007", 1]);
    const plain = await cli(["enqueue", "sendEmail", "ada@example.com", "Hello", "--json"]);
    expect(JSON.parse(String(plain.stdout)).args).toEqual(["ada@example.com", "Hello"]);
  });
});

describe("tasks enqueue flags", () => {
  it("--timeout without --wait: enqueued, with a warning that it bounds nothing", async () => {
    const run = await cli(["enqueue", "slow", "5", "--timeout", "5s"]);
    expect({ code: run.exitCode, stderr: run.stderr }).toEqual({
      code: 0,
      stderr: "Warning: --timeout is ignored without --wait (it bounds the wait)",
    });
    expect(String(run.stdout)).toMatch(/^Enqueued slow as /);
    // Its default says nothing.
    expect((await cli(["enqueue", "slow", "6"])).stderr).toBe("");
  });
});
