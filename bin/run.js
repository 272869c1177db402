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
const { execute } = await import("@oclif/core");
await execute({ dir: import.meta.url });
