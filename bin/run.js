#!/usr/bin/env node
// `tasks worker` stops cleanly on SIGINT/SIGTERM, even one that arrives while the CLI is still
// loading (oclif, the config: a few hundred ms) and the worker has no handler of its own yet:
// such signals are counted here and handed to the worker when it starts (src/cli/early-signals.ts).
if (process.argv[2] === "worker") {
  const early = { count: 0, release: () => {} };
  const onSignal = () => {
    early.count++;
  };
  early.release = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  globalThis[Symbol.for("tasklane.earlySignals")] = early;
}
// As it loads, oclif checks this Node against its own engines (>=18) with semver: ~20 ms of
// every command's start-up (a tenth of `tasks --help`), most of it loading semver. tasklane's
// floor (package.json's engines, ">=major.minor") is stricter and needs no semver: it is
// checked here, oclif is told to skip its check, and the variable is removed again so nothing
// spawned later (a worker's tasks) inherits it.
const { readFileSync } = await import("node:fs");
const wanted = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines?.node;
const floor = /^>=(\d+)\.(\d+)$/.exec(wanted ?? "");
if (floor) {
  const [major, minor] = process.versions.node.split(".").map(Number);
  const [needMajor, needMinor] = [Number(floor[1]), Number(floor[2])];
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    process.emitWarning(`tasklane needs Node ${wanted}; this is Node ${process.versions.node}`);
  }
}
// The command is done (an error has already ended the process, through oclif, or set its exit
// code). A config that imports app code holding the event loop (a database pool, a Redis client,
// a timer) must not keep `tasks results` or `tasks enqueue` running for ever: end once the output
// is flushed.
const flushed = (stream) => new Promise((resolve) => (stream.writable ? stream.write("", resolve) : resolve()));
const end = async () => {
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit();
};
// `tasks worker` runs without oclif when its command line is one src/cli/worker-fast.ts reads in
// full: ~60 ms of start-up and ~10 MB of memory less for the process that runs for hours. Help,
// and any command line it does not fully understand, go to oclif below.
// Without a build (no dist/), oclif reports the missing module as it does for every command.
if (process.argv[2] === "worker") {
  const fast = await import("../dist/cli/worker-fast.js").catch((error) => {
    if (error?.code === "ERR_MODULE_NOT_FOUND") return null;
    throw error;
  });
  if (fast && (await fast.runWorkerFast(process.argv.slice(3)))) await end();
}
const skipOclifCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined;
if (skipOclifCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = "1";
const { execute } = await import("@oclif/core/execute");
if (skipOclifCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
await execute({ dir: import.meta.url });
await end();
