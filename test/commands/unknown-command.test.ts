import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closestNames } from "../../src/cli/closest.js";
import { tasks, tempDir } from "../helpers/cli.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir("tasklane-unknown-command-"));
});
afterAll(() => cleanup());

const EVERY =
  "the commands are cancel, check, enqueue, errors, help, info, init, ls, pause, prune, results, resume, retry, schedules, show, watch, why, worker (see: tasks --help)";

describe("a word that names no command", () => {
  // oclif's own answer was " ›   Error: command enqueu:add:1:2 not found" (every word joined into
  // the id, no alternative named).
  it.each([
    [["enqueu", "add", "1", "2"], 'Error: unknown command "enqueu"; did you mean "enqueue"? (see: tasks --help)'],
    [["wroker", "--batch"], 'Error: unknown command "wroker"; did you mean "worker"? (see: tasks --help)'],
    [["Results"], 'Error: unknown command "Results"; did you mean "results"? (see: tasks --help)'],
    [["re"], 'Error: unknown command "re"; did you mean "results", "resume" or "retry"? (see: tasks --help)'],
    [["frobnicate"], `Error: unknown command "frobnicate"; ${EVERY}`],
    [["--bogus"], `Error: no command given before "--bogus"; ${EVERY}`],
    // Asking for its help: oclif answered " ›   Error: Command enqueu not found." (help-for-unknown.ts).
    [["enqueu", "--help"], 'Error: unknown command "enqueu"; did you mean "enqueue"? (see: tasks --help)'],
    [["wroker", "-h"], 'Error: unknown command "wroker"; did you mean "worker"? (see: tasks --help)'],
    [["--help", "Results"], 'Error: unknown command "Results"; did you mean "results"? (see: tasks --help)'],
    [["wroker", "add", "--help"], 'Error: unknown command "wroker"; did you mean "worker"? (see: tasks --help)'],
    [["frobnicate", "--help"], `Error: unknown command "frobnicate"; ${EVERY}`],
  ])("tasks %j: one line naming it and what was meant, exit 2", async (args, line) => {
    const run = await tasks(args, { cwd: dir });
    expect({ code: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: line,
    });
  });

  it("runs nothing: no config is loaded and no database is made", async () => {
    const run = await tasks(["enqeue", "noop"], { cwd: dir, env: { TASKS_CONFIG: join(dir, "missing.config.ts") } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('Error: unknown command "enqeue"; did you mean "enqueue"? (see: tasks --help)');
    expect(existsSync(join(dir, ".tasks"))).toBe(false);
  });

  it("still lets every real command and alias through", async () => {
    for (const args of [
      ["ls", "--help"],
      ["results", "--help"],
      ["enqueue", "add", "--help"],
      ["worker", "-h"],
      ["--help"],
      ["help", "enqueue"],
    ]) {
      const run = await tasks(args, { cwd: dir });
      expect({ args, code: run.exitCode, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
    }
  });
});

describe("words after a command that takes no arguments", () => {
  // They used to read 'Error: unknown command "worker"; did you mean "worker"?': oclif looks for a
  // command "worker emails", and the hook named the first word.
  it.each([
    [["worker", "emails"], 'Error: tasks worker takes no arguments, got "emails" (see: tasks worker --help)'],
    [["worker", "a", "b", "--json"], 'Error: tasks worker takes no arguments, got "a" "b" (see: tasks worker --help)'],
    [["ls", "failed"], 'Error: tasks ls takes no arguments, got "failed" (see: tasks ls --help)'],
    [["info", "extra", "--help"], 'Error: tasks info takes no arguments, got "extra" (see: tasks info --help)'],
  ])("tasks %j: one line naming the words and the command, exit 2", async (args, line) => {
    const run = await tasks(args, { cwd: dir });
    expect({ code: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: line,
    });
  });

  it("a flag's value is not such a word, and a command's own arguments still reach it", async () => {
    for (const args of [
      ["worker", "--queue", "emails", "--help"],
      ["enqueue", "add", "--help"],
    ]) {
      const run = await tasks(args, { cwd: dir });
      expect({ args, code: run.exitCode, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
    }
  });
});

describe("closestNames", () => {
  const names = ["cancel", "enqueue", "results", "resume", "retry", "worker"];
  it("prefers another case of the same word", () => {
    expect(closestNames("WORKER", names)).toEqual(["worker"]);
  });
  it("takes a slip of about one key in three: a swap, a missing, an extra or a wrong letter", () => {
    expect(closestNames("wroker", names)).toEqual(["worker"]);
    expect(closestNames("enqueu", names)).toEqual(["enqueue"]);
    expect(closestNames("cancell", names)).toEqual(["cancel"]);
    expect(closestNames("resulte", names)).toEqual(["results"]);
  });
  it("returns every name at the best distance, then the names a short word begins", () => {
    expect(closestNames("retsy", names)).toEqual(["retry"]);
    expect(closestNames("res", names)).toEqual(["results", "resume"]);
  });
  it("guesses nothing when nothing is close", () => {
    expect(closestNames("frobnicate", names)).toEqual([]);
    expect(closestNames("x", names)).toEqual([]);
  });
});
