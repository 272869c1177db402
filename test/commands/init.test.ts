import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, tasks, tempDir } from "../helpers/cli.js";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.cleanup());

describe("tasks init", () => {
  it("writes a starter config that enqueue, worker and results work with, in an empty folder", async () => {
    const init = await tasks(["init"], { cwd: temp.dir });
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain(`Created ${join(temp.dir, "tasks.config.ts")}`);
    expect(readFileSync(join(temp.dir, "tasks.config.ts"), "utf8")).toContain('from "tasklane"');

    const check = await tasks(["check"], { cwd: temp.dir });
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toContain("System check identified no issues.");

    const enqueued = await tasks(["enqueue", "add", "2", "3", "--json"], { cwd: temp.dir });
    expect(enqueued.exitCode).toBe(0);
    const { id } = JSON.parse(String(enqueued.stdout));
    const worker = await tasks(["worker", "--batch", "--no-startup-delay"], { cwd: temp.dir });
    expect(worker.exitCode).toBe(0);
    const shown = await tasks(["show", id, "--json"], { cwd: temp.dir });
    expect(JSON.parse(String(shown.stdout))).toMatchObject({ taskName: "add", status: "SUCCEEDED", returnValue: 5 });
  });

  it("adds .tasks/ to an existing .gitignore once, so the task database is not committed", async () => {
    writeFileSync(join(temp.dir, ".gitignore"), "node_modules");
    const init = await tasks(["init"], { cwd: temp.dir });
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain("Added .tasks/ to .gitignore: the task database is local state");
    expect(readFileSync(join(temp.dir, ".gitignore"), "utf8")).toBe("node_modules\n.tasks/\n");
    // The enqueue writes under .tasks/, the folder the line covers.
    await tasks(["enqueue", "add", "2", "3"], { cwd: temp.dir });
    expect(readdirSync(join(temp.dir, ".tasks"))).toContain("tasks.sqlite3");

    const forced = await tasks(["init", "--force", "--json"], { cwd: temp.dir });
    expect(JSON.parse(String(forced.stdout))).toMatchObject({ gitignore: "present" });
    expect(readFileSync(join(temp.dir, ".gitignore"), "utf8")).toBe("node_modules\n.tasks/\n");
  });

  it("creates a .gitignore at a repository's root that has none, and leaves other folders alone", async () => {
    const repo = join(temp.dir, "repo");
    const plain = join(temp.dir, "plain");
    mkdirSync(join(repo, ".git"), { recursive: true });
    mkdirSync(plain);
    const inRepo = await tasks(["init"], { cwd: repo });
    expect(inRepo.stdout).toContain("Created .gitignore with .tasks/: the task database is local state");
    expect(readFileSync(join(repo, ".gitignore"), "utf8")).toBe(".tasks/\n");
    const outside = await tasks(["init"], { cwd: plain });
    expect(outside.exitCode).toBe(0);
    expect(outside.stdout).not.toContain(".gitignore");
    expect(readdirSync(plain)).toEqual(["tasks.config.ts"]);
  });

  it("refuses to overwrite an existing config without --force", async () => {
    await tasks(["init"], { cwd: temp.dir });
    const again = await tasks(["init"], { cwd: temp.dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe(
      `Error: ${join(temp.dir, "tasks.config.ts")} already exists; pass --force to overwrite it`,
    );
    const forced = await tasks(["init", "--force"], { cwd: temp.dir });
    expect(forced.exitCode).toBe(0);
  });
});

describe("tasks --help", () => {
  it("lists every command with a one-line summary", async () => {
    const help = await tasks(["--help"], { cwd: temp.dir });
    expect(help.exitCode).toBe(0);
    for (const command of [
      "cancel",
      "check",
      "enqueue",
      "errors",
      "info",
      "init",
      "prune",
      "results",
      "retry",
      "show",
      "watch",
      "worker",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, "m"));
    }
  });

  it("reads its command list from the manifest the build writes, which names every command", async () => {
    // oclif imports every command module to list them unless oclif.manifest.json exists: the
    // build writes it (scripts/manifest.mjs), so one command's run imports only that command.
    const root = join(dirname(BIN), "..");
    const modules = readdirSync(join(root, "dist/commands"))
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.slice(0, -3))
      .filter((id) => id !== "help");
    const manifest = JSON.parse(readFileSync(join(root, "oclif.manifest.json"), "utf8")) as {
      commands: Record<string, unknown>;
    };
    expect(Object.keys(manifest.commands).sort()).toEqual([...modules, "help"].sort());
    const help = await tasks(["--help"], { cwd: temp.dir });
    for (const id of modules) expect(help.stdout).toMatch(new RegExp(`^  ${id}\\s+\\S`, "m"));
  });

  it("answers every help form: help, help COMMAND, -h, COMMAND -h", async () => {
    for (const args of [["help"], ["-h"], ["--help"]]) {
      const run = await tasks(args, { cwd: temp.dir });
      expect({ args, code: run.exitCode, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(run.stdout).toMatch(/^COMMANDS$/m);
      expect(run.stdout).toMatch(/^ {2}worker\s+\S/m);
    }
    for (const args of [
      ["help", "worker"],
      ["worker", "-h"],
      ["worker", "--help"],
    ]) {
      const run = await tasks(args, { cwd: temp.dir });
      expect({ args, code: run.exitCode, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(run.stdout).toMatch(/^ {2}\$ tasks worker /m);
    }
    const unknown = await tasks(["help", "wroker"], { cwd: temp.dir });
    expect({ code: unknown.exitCode, stderr: unknown.stderr }).toEqual({
      code: 2,
      stderr: 'Error: no command "wroker"; `tasks help` lists them all',
    });
  });

  it("gives every command examples", async () => {
    for (const command of ["enqueue", "worker", "watch", "results", "prune"]) {
      const help = await tasks([command, "--help"], { cwd: temp.dir });
      expect(help.stdout).toContain("EXAMPLES");
    }
  });
});
