import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeProject as makeProjectWith, runBatchWorker } from "../../src/testing/project.js";
import { BIN, CHILD_ENV, tempDir } from "../helpers/cli.js";

// bin/run.js checks the Node version against package.json's engines (a ">=major.minor" floor)
// itself, and oclif skips its own check (against oclif's engines, with semver).
const ROOT = dirname(dirname(BIN));
let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir("tasklane-engines-"));
});
afterAll(() => cleanup());

/** A copy of the package (its bin, the built dist and node_modules linked) whose engines field is `engines`. */
function packageWithEngines(name: string, engines: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, "bin"), { recursive: true });
  copyFileSync(BIN, join(root, "bin", "run.js"));
  copyFileSync(join(ROOT, "oclif.manifest.json"), join(root, "oclif.manifest.json"));
  for (const linked of ["dist", "node_modules"]) symlinkSync(join(ROOT, linked), join(root, linked));
  const pjson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ ...pjson, engines: { node: engines } }));
  return join(root, "bin", "run.js");
}

const help = (bin: string) =>
  execa("node", [bin, "--help"], {
    reject: false,
    stdin: "ignore",
    env: { ...CHILD_ENV, OCLIF_DISABLE_ENGINE_WARNING: undefined },
  });

describe("the Node version check", () => {
  it("on a Node that satisfies engines, says nothing", async () => {
    const run = await help(BIN);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("USAGE");
  });

  it("on a Node below the engines floor, warns once and still runs", async () => {
    const run = await help(packageWithEngines("floor", ">=99.0"));
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("USAGE");
    const warnings = run.stderr.split("\n").filter((line) => line.includes("Warning"));
    expect(warnings).toEqual([
      expect.stringContaining(`tasklane needs Node >=99.0; this is Node ${process.versions.node}`),
    ]);
  });

  it("package.json's engines keeps the >=major.minor form bin/run.js reads", () => {
    const pjson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pjson.engines.node).toMatch(/^>=\d+\.\d+$/);
  });

  it("a worker's tasks do not inherit the variable that tells oclif to skip its check", async () => {
    const project = await makeProjectWith(`import { defineConfig, task } from "tasklane";
export const env = task(() => process.env.OCLIF_DISABLE_ENGINE_WARNING ?? "unset");
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "tasks.sqlite3" } } },
  tasks: { env },
});
`);
    try {
      const result = await project.config.tasks.get("env")!.enqueue();
      const worker = await runBatchWorker(project, []);
      expect(worker.exitCode).toBe(0);
      await result.refresh();
      expect(result.status).toBe("SUCCEEDED");
      expect(result.returnValue).toBe("unset");
    } finally {
      await project.cleanup();
    }
  });
});
