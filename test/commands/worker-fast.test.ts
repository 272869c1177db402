import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseWorkerArgv, WORKER_ARGV } from "../../src/cli/worker-fast.js";
import WorkerCommand from "../../src/commands/worker.js";
import { tasks, write } from "../helpers/cli.js";
import { enqueue, makeProject, type Project } from "../helpers/project.js";

// `tasks worker` runs without oclif when src/cli/worker-fast.ts understands its whole command
// line (bin/run.js). These tests hold its flag table to the oclif command's, pin which command
// lines it leaves to oclif, and check through the real binary that the worker then runs with
// oclif never loaded, and that help still comes from oclif.

type OclifFlag = {
  type: "boolean" | "option";
  multiple?: boolean;
  char?: string;
  allowNo?: boolean;
  default?: unknown;
  parse?: (input: string, context: unknown, options: unknown) => Promise<unknown>;
};

describe("worker-fast's flag table", () => {
  it("says what commands/worker.ts and the base flags say", async () => {
    const oclif = { ...WorkerCommand.baseFlags, ...WorkerCommand.flags } as unknown as Record<string, OclifFlag>;
    expect(Object.keys(WORKER_ARGV).sort()).toEqual(Object.keys(oclif).sort());
    for (const [name, spec] of Object.entries(WORKER_ARGV)) {
      const flag = oclif[name] as OclifFlag;
      const integer = "integer" in spec;
      const kind = spec.type === "boolean" ? "boolean" : "option";
      expect({ name, kind, multiple: flag.multiple === true, char: flag.char, allowNo: flag.allowNo === true }).toEqual(
        {
          name,
          kind: flag.type,
          multiple: "multiple" in spec,
          char: "short" in spec ? spec.short : undefined,
          allowNo: "allowNo" in spec,
        },
      );
      const ours = "default" in spec ? spec.default : undefined;
      expect({ name, default: integer && ours !== undefined ? Number(ours) : ours }).toEqual({
        name,
        default: flag.default,
      });
      // An integer flag is oclif's integer: it refuses what is not one.
      if (integer) await expect(flag.parse?.("1.5", {}, flag)).rejects.toThrow(/Expected an integer/);
      else if (kind === "option") await expect(flag.parse?.("1.5", {}, flag)).resolves.toBe("1.5");
    }
  });
});

describe("parseWorkerArgv", () => {
  it("reads a full command line as oclif would", () => {
    expect(
      parseWorkerArgv([
        "--queue",
        "emails",
        "--queue=reports",
        "--concurrency",
        "10",
        "--no-startup-delay",
        "-c",
        "app/tasks.config.ts",
        "--json",
        "--max-tasks=0",
        "--interval",
        "500ms",
      ]),
    ).toEqual({
      backend: "default",
      queue: ["emails", "reports"],
      concurrency: 10,
      interval: "500ms",
      batch: false,
      "max-tasks": 0,
      "startup-delay": false,
      reload: false,
      config: "app/tasks.config.ts",
      json: true,
    });
    expect(parseWorkerArgv([])).toEqual({
      backend: "default",
      concurrency: 1,
      interval: "1",
      batch: false,
      "startup-delay": true,
      reload: false,
      json: false,
    });
  });

  const leftToOclif: [string, string[]][] = [
    ["help", ["--help"]],
    ["short help", ["-h"]],
    ["an unknown flag", ["--frobnicate"]],
    ["a word", ["emails"]],
    ["a second value after a repeatable flag (oclif takes both)", ["--queue", "a", "b"]],
    ["a flag given twice", ["--concurrency", "2", "--concurrency", "3"]],
    ["a flag and its --no- form", ["--startup-delay", "--no-startup-delay"]],
    ["a value that is not an integer", ["--concurrency", "two"]],
    ["a negative value", ["--max-tasks", "-3"]],
    ["an empty value", ["--worker-id", ""]],
    ["a value that looks like a flag", ["--worker-id=--json"]],
    ["a short flag's value in the same word", ["-c=tasks.config.ts"]],
    ["a boolean given a value", ["--batch=false"]],
    ["a missing value", ["--backend"]],
    ["--no- of a flag without it", ["--no-batch"]],
    ["the end of flags", ["--", "--batch"]],
  ];
  for (const [what, argv] of leftToOclif) {
    it(`leaves ${what} to oclif: ${argv.join(" ")}`, () => {
      expect(parseWorkerArgv(argv)).toBeNull();
    });
  }
});

describe("tasks worker around oclif (the real binary)", () => {
  let project: Project;
  beforeEach(async () => {
    project = await makeProject();
  });
  afterEach(async () => {
    await project.cleanup();
  });

  // Preloaded into the CLI's process: at exit, writes whether any module of @oclif/core was
  // loaded (oclif is CommonJS, so each of its modules sits in require's cache).
  function probe(): { env: Record<string, string>; oclifLoaded: () => boolean } {
    const out = join(project.dir, "oclif-loaded.txt");
    const script = write(
      project.dir,
      "probe.cjs",
      `const { sep } = require("node:path");
process.on("exit", () => {
  const loaded = Object.keys(require("node:module")._cache).some((p) => p.includes(sep + "@oclif" + sep + "core" + sep));
  require("node:fs").writeFileSync(${JSON.stringify(out)}, String(loaded));
});
`,
    );
    return {
      env: { NODE_OPTIONS: `--require ${script}` },
      oclifLoaded: () => readFileSync(out, "utf8") === "true",
    };
  }

  it("runs the worker without loading oclif", async () => {
    const first = await enqueue(project, "record", ["first"]);
    const second = await enqueue(project, "record", ["second"]);
    const { env, oclifLoaded } = probe();
    const run = await tasks(
      ["worker", "--batch", "--no-startup-delay", "--json", "--concurrency", "2", "-c", project.configPath],
      { cwd: project.dir, env },
    );
    expect(run.exitCode, String(run.stderr)).toBe(0);
    const finished = String(run.stdout)
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { event: string; id?: string; status?: string })
      .filter((e) => e.event === "taskFinished");
    expect(finished.map((e) => [e.id, e.status]).sort()).toEqual(
      [
        [first.id, "SUCCEEDED"],
        [second.id, "SUCCEEDED"],
      ].sort(),
    );
    expect(oclifLoaded()).toBe(false);
  });

  it("reports an error in oclif's words and exit code, still without oclif", async () => {
    const { env, oclifLoaded } = probe();
    const run = await tasks(["worker", "--backend", "other", "--config", project.configPath], {
      cwd: project.dir,
      env,
    });
    expect(run.exitCode).toBe(2);
    expect(String(run.stderr).trim()).toMatch(/^Error: --backend: no backend "other" in .* \(configured: default\)$/);
    expect(oclifLoaded()).toBe(false);
  });

  it("leaves help and a command line it does not read to oclif", async () => {
    const help = probe();
    const run = await tasks(["worker", "--help"], { cwd: project.dir, env: help.env });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/--concurrency=<value>/);
    expect(help.oclifLoaded()).toBe(true);
    const wrong = probe();
    const refused = await tasks(["worker", "--concurrency", "two", "--config", project.configPath], {
      cwd: project.dir,
      env: wrong.env,
    });
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr).trim()).toBe(
      "Error: Parsing --concurrency: Expected an integer but received: two (see: tasks worker --help)",
    );
    expect(wrong.oclifLoaded()).toBe(true);
  });
});
