import { type ParseArgsConfig, parseArgs } from "node:util";
import type { ActiveConfig } from "../config/registry.js";
import { reportCommandError } from "./command-errors.js";
import { loadProjectConfig } from "./project-config.js";
import type { WorkerFlags } from "./worker-run.js";

/**
 * `tasks worker` without oclif, for a command line this module understands in full (bin/run.js
 * tries it first). Loading oclif costs every command ~50–70 ms of start-up and ~10 MB of peak
 * memory, which a worker, restarted by supervisors and by --reload and then running for hours,
 * pays for nothing once its flags are known. Anything else (--help, a flag this table does not
 * know, a value oclif would refuse or read differently, a flag given twice) is left to oclif, so
 * every message about a command line stays oclif's own.
 *
 * The table below must say what commands/worker.ts and base-command.ts's baseFlags say (names,
 * kinds, defaults, `-c`): test/commands/worker-fast.test.ts compares them.
 */
export const WORKER_ARGV = {
  backend: { type: "string", default: "default" },
  queue: { type: "string", multiple: true },
  "exclude-queue": { type: "string", multiple: true },
  concurrency: { type: "string", integer: true, default: "1" },
  interval: { type: "string", default: "1" },
  batch: { type: "boolean", default: false },
  "max-tasks": { type: "string", integer: true },
  "startup-delay": { type: "boolean", default: true, allowNo: true },
  "worker-id": { type: "string" },
  reload: { type: "boolean", default: false },
  config: { type: "string", short: "c" },
  json: { type: "boolean", default: false },
  dotenv: { type: "string" },
} as const satisfies Record<
  string,
  {
    type: "string" | "boolean";
    multiple?: boolean;
    integer?: boolean;
    short?: string;
    default?: string | boolean;
    allowNo?: boolean;
  }
>;

type ArgvOptions = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs' options: every flag, and `no-<flag>` for those that allow it. */
const OPTIONS: ArgvOptions = Object.fromEntries(
  Object.entries(WORKER_ARGV).flatMap(([name, spec]) => {
    const option = {
      type: spec.type,
      ...("multiple" in spec ? { multiple: true } : {}),
      ...("short" in spec ? { short: spec.short } : {}),
    };
    return "allowNo" in spec
      ? [
          [name, option],
          [`no-${name}`, { type: "boolean" as const }],
        ]
      : [[name, option]];
  }),
);

const INTEGER = /^-?\d+$/;

const parse = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });

/** `tasks worker`'s flags from its arguments (those after `worker`), or null for a command line left to oclif. */
export function parseWorkerArgv(argv: readonly string[]): WorkerFlags | null {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch {
    return null; // an unknown flag, a missing value, a word: oclif says what is wrong
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") return null; // `--` ends the flags; oclif decides what follows
    const name = token.name.startsWith("no-") ? token.name.slice(3) : token.name;
    const spec = WORKER_ARGV[name as keyof typeof WORKER_ARGV];
    // oclif refuses a flag given twice (--x and --no-x count as one flag) unless it is repeatable.
    if (!("multiple" in spec) && seen.has(name)) return null;
    seen.add(name);
    // oclif reads `-c=x` as "x" (parseArgs: "=x"), and refuses a value that names one of the
    // command's flags (`--worker-id=--json`); an empty value is its to judge as well.
    if (token.inlineValue && !token.rawName.startsWith("--")) return null;
    if (token.value !== undefined && (token.value === "" || token.value.startsWith("-"))) return null;
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(WORKER_ARGV)) {
    let value: unknown = values[name] ?? ("default" in spec ? spec.default : undefined);
    if ("allowNo" in spec && values[`no-${name}`] === true) value = false;
    if ("integer" in spec && value !== undefined) {
      if (typeof value !== "string" || !INTEGER.test(value)) return null;
      value = Number.parseInt(value, 10);
    }
    if (value !== undefined) flags[name] = value;
  }
  return flags as unknown as WorkerFlags;
}

/**
 * Runs `tasks worker` for these arguments if parseWorkerArgv understands them, as the oclif
 * command would (its errors worded and exit codes set alike, command-errors.ts); false when
 * the command line is left to oclif. The process ends here on success (worker-run.ts).
 */
export async function runWorkerFast(argv: readonly string[]): Promise<boolean> {
  const flags = parseWorkerArgv(argv);
  if (!flags) return false;
  let config: ActiveConfig | undefined;
  try {
    config = await loadProjectConfig(flags);
    const { runWorkerCommand } = await import("./worker-run.js");
    await runWorkerCommand(flags, config);
  } catch (error) {
    reportCommandError(error instanceof Error ? error : new Error(String(error)), "worker");
  } finally {
    await config?.close();
  }
  return true;
}
