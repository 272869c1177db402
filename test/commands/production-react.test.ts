import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BIN, tempDir, write } from "../helpers/cli.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

/**
 * The terminal screens run React's production build whatever NODE_ENV says: the development
 * build (what React loads when NODE_ENV is unset, as it is for the `tasks` binary) made
 * `tasks watch` grow by about a megabyte a second. Which build loaded shows in Node's module
 * cache: react, react/jsx-runtime, react-reconciler and scheduler each load a
 * cjs/<name>.production.js or cjs/<name>.development.js.
 */

const LOAD_INK = pathToFileURL(resolve(import.meta.dirname, "../../dist/cli/load-ink.js")).href;

/** The React-related files in the module cache, as a preloaded script reports them on exit. */
const REPORTER = `
const { writeFileSync } = require("node:fs");
process.on("exit", () => {
  // Loaded ones only: Node also caches, unrun, the files an ESM import of index.js parses for names.
  const builds = Object.entries(require.cache)
    .filter(([file, module]) => module.loaded && /[\\\\/]cjs[\\\\/].*\\.(production|development)\\.js$/.test(file))
    .map(([file]) => file);
  writeFileSync(process.env.REACT_BUILDS_FILE, JSON.stringify({ builds, nodeEnv: process.env.NODE_ENV ?? null }));
});
`;

const buildsOf = (file: string) =>
  JSON.parse(readFileSync(file, "utf8")) as { builds: string[]; nodeEnv: string | null };

function expectProductionBuilds(builds: string[]) {
  const names = builds.map((file) => file.split(/[\\/]/).pop());
  expect(names).toEqual(
    expect.arrayContaining([
      "react.production.js",
      "react-jsx-runtime.production.js",
      "react-reconciler.production.js",
      "scheduler.production.js",
    ]),
  );
  expect(names.filter((name) => name?.endsWith(".development.js"))).toEqual([]);
}

describe("loadInk()", () => {
  it.each([
    ["development", "development"],
    ["unset", undefined],
  ])("loads React's production build with NODE_ENV %s and leaves NODE_ENV as it was", async (_, nodeEnv) => {
    const { dir, cleanup } = tempDir();
    try {
      const reportFile = join(dir, "builds.json");
      const reporter = write(dir, "reporter.cjs", REPORTER);
      const script = `
        const { loadInk } = await import(${JSON.stringify(LOAD_INK)});
        const [ink, React, component] = await loadInk(async () => "the component");
        if (typeof ink.render !== "function" || typeof React.createElement !== "function") throw new Error("no ink");
        if (component !== "the component") throw new Error("no component");
        // React's production build has no act(): it exists in the development build only.
        if ("act" in React.default) throw new Error("React's development build");
      `;
      const env: Record<string, string | undefined> = { ...process.env, REACT_BUILDS_FILE: reportFile };
      if (nodeEnv === undefined) delete env.NODE_ENV;
      else env.NODE_ENV = nodeEnv;
      const child = await execa("node", ["--require", reporter, "--input-type=module", "-e", script], {
        env,
        extendEnv: false,
        reject: false,
      });
      expect(child.stderr).toBe("");
      expect(child.exitCode).toBe(0);
      const { builds, nodeEnv: after } = buildsOf(reportFile);
      expectProductionBuilds(builds);
      expect(after).toBe(nodeEnv ?? null);
    } finally {
      cleanup();
    }
  });
});

const { screen, project } = tmuxProject("production-react");

it.skipIf(!canUseTmux)(
  "the real `tasks watch`, run without NODE_ENV, draws with React's production build",
  async () => {
    const reportFile = join(project().dir, "builds.json");
    const reporter = write(project().dir, "reporter.cjs", REPORTER);
    const command = [
      `env -u CI -u NO_COLOR -u NODE_ENV REACT_BUILDS_FILE=${shellQuote(reportFile)}`,
      `node --require ${shellQuote(reporter)} ${shellQuote(BIN)} watch --config ${shellQuote(project().configPath)};`,
      "echo EXIT=$?; sleep 60",
    ].join(" ");
    screen.start(command, { x: 100, y: 30 }, project().dir);
    await screen.waitForPane((t) => /READY 0\s+RUNNING 0/.test(t), "the dashboard");
    screen.keys("q");
    const text = await screen.waitForPane((t) => t.includes("EXIT="), "the exit line");
    expect(text).toContain("EXIT=0");
    const { builds, nodeEnv } = buildsOf(reportFile);
    expectProductionBuilds(builds);
    expect(nodeEnv).toBeNull();
  },
);
