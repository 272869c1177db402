import { WORKER_DEFAULTS } from "../core/defaults.js";
import { ReloadSupervisor } from "./supervisor.js";

/** Starts the --reload supervisor with this process's own command line, minus --reload. */
export async function runSupervisor(
  configPath: string,
  onSignalsInstalled?: (stop: () => void) => void,
): Promise<number> {
  const [entry = "", ...rest] = process.argv.slice(1);
  const supervisor = new ReloadSupervisor({
    configPath,
    command: process.execPath,
    args: [entry, ...rest.filter((arg) => arg !== "--reload")],
    graceMs: Number(process.env.TASKLANE_RELOAD_GRACE_MS ?? WORKER_DEFAULTS.reloadGraceMs),
    debounceMs: 150,
    log: (line) => process.stderr.write(`[reload] ${line}\n`),
  });
  const onSignal = () => supervisor.stop();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  onSignalsInstalled?.(onSignal);
  try {
    return await supervisor.run();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
