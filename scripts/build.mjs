// Builds dist/: type declarations from tsc, the JavaScript as a bundle from esbuild.
//
// Why a bundle: each module of its own costs an ES module load at every start (resolve, stat,
// read, compile), and `tasks worker` loaded ~110 of tasklane's besides oclif's. Bundled, it loads
// 45 (its entry and the chunks it shares). Measured with farm-bench against the per-file build of
// the same sources (20 paired runs): `tasks worker --batch` with nothing to do 0.236 → 0.207 s,
// `tasks results` 0.258 → 0.223 s, each ~2.5 MB lower in peak memory.
//
// What stays as it was:
// - Every entry below keeps its path under dist/, so oclif's commands and hooks, the package's
//   exports and the modules tests and benchmarks import by path
//   are where they were. Code shared by entries lives once, in dist/chunks/: an entry imported
//   by a test and a command run by the CLI share one module instance.
// - Lazy imports stay lazy (code splitting): `tasks --help` still loads no backend, React or Ink.
// - Dependencies are not bundled (`packages: "external"`): better-sqlite3, bullmq, oclif, ink…
//   load from node_modules as before.
// - Class names stay (the end of this file): error classes report their name from their class,
//   and a task logged with console.log reads `Task {…}`. Not with esbuild's keepNames, which wraps
//   every function made at run time, closures of the hot path included: a 50k drain peaked
//   ~12 MB higher and ran slower with it.
// - Nothing in src/ depends on where its file sits: src/core/own-files.ts finds the package.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

// A clean folder: a module left over from an earlier build must not be importable.
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--emitDeclarationOnly"],
  {
    cwd: root,
    stdio: "inherit",
  },
);

const commands = readdirSync(`${root}src/commands`)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => `src/commands/${file}`);

const result = await build({
  absWorkingDir: root,
  entryPoints: [
    // The package's exports.
    "src/index.ts",
    "src/testing/index.ts",
    // oclif's commands and hooks (package.json's "oclif").
    ...commands,
    "src/cli/command-not-found.ts",
    "src/cli/help-for-unknown.ts",
    // `tasks worker` around oclif (bin/run.js).
    "src/cli/worker-fast.ts",
    // Imported by path: a child process of the conformance suite (testing/suite-unique.ts),
    // tests and benchmarks of the built code.
    "src/config/lookup.ts",
    "src/config/load.ts",
    "src/cli/load-ink.ts",
    "src/contract/records.ts",
    "src/backends/sqlite/backend.ts",
    "src/backends/sqlite/store.ts",
  ],
  outbase: "src",
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
  metafile: true,
});

// Class names as the sources give them. esbuild writes each class as `var Name = class …`, whose
// name at run time comes from the variable, except:
// - a class that names itself in its own body becomes `var Name = class _Name …`, named "_Name"
//   at run time (`console.log(task)` showed `_Task {}`; an error class would report "_X"): a
//   static block opening its body gives it its name back, on the same line so the source map holds;
// - a class renamed to avoid a clash inside one chunk (`ConfigError2`): the build fails.
const CLASS = /\bclass (\w+)/g;
const NAMED_CLASS = /\bclass (\w+)|\b(\w+) = class\b/g;
const SELF_NAMED = /^(\s*)var (\w+) = class _\2\b[^{\n]*\{$/gm;
const declared = new Set();
for (const file of readdirSync(`${root}src`, { recursive: true })) {
  if (!/\.tsx?$/.test(file)) continue;
  for (const [, name] of readFileSync(`${root}src/${file}`, "utf8").matchAll(CLASS)) declared.add(name);
}
for (const output of Object.keys(result.metafile.outputs).filter((path) => path.endsWith(".js"))) {
  const path = `${root}${output}`;
  const named = readFileSync(path, "utf8").replace(
    SELF_NAMED,
    (line, _indent, name) => `${line} static { Object.defineProperty(this, "name", { value: "${name}" }); }`,
  );
  writeFileSync(path, named);
  for (const [, a, b] of named.matchAll(NAMED_CLASS)) {
    const name = a ?? b;
    const base = name.replace(/\d+$/, "");
    if (base !== name && !declared.has(name) && declared.has(base)) {
      throw new Error(`${output}: the bundle renamed class ${base} to ${name}; give one of the two another name`);
    }
    const self = name.startsWith("_") ? name.slice(1) : null;
    if (self && declared.has(self) && !declared.has(name) && !named.includes(`value: "${self}" }); }`)) {
      throw new Error(`${output}: class ${self} is written as ${name} and its name was not given back`);
    }
  }
}
