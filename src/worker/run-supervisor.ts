import { WORKER_DEFAULTS } from "../core/defaults.js";
import { ReloadSupervisor, type SupervisorState } from "./supervisor.js";

/** A supervisor that draws the terminal itself (the CLI's status line), instead of sharing it with the child. */
export interface SupervisorOutput {
  log(line: string): void;
  onChildLine(line: string): void;
  onState(state: SupervisorState): void;
}

/** Starts the --reload supervisor with this process's own command line, minus --reload. */
export async function runSupervisor(
  configPath: string,
  onSignalsInstalled?: (stop: () => void) => void,
  output?: SupervisorOutput,
  storePath?: string,
): Promise<number> {
  const [entry = "", ...rest] = process.argv.slice(1);
  const args = [entry, ...rest.filter((arg) => arg !== "--reload")];
  const supervisor = new ReloadSupervisor({
    configPath,
    command: process.execPath,
    nodeArgs: process.execArgv,
    // A supervisor that renders the terminal reads the child's events as JSON lines.
    args: output && !args.includes("--json") ? [...args, "--json"] : args,
    graceMs: Number(process.env.TASKLANE_RELOAD_GRACE_MS ?? WORKER_DEFAULTS.reloadGraceMs),
    debounceMs: 150,
    log: output?.log ?? ((line) => process.stderr.write(`[reload] ${line}\n`)),
    onChildLine: output?.onChildLine,
    onState: output?.onState,
    storePath,
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
