import { closestNames } from "./closest.js";

/** What the unknown-command line needs of oclif's config. */
interface CommandList {
  readonly commands: readonly { id: string; aliases?: string[]; hidden?: boolean }[];
}

/**
 * The one line for a word that names no command (command-not-found.ts): the command it most
 * likely meant, else every command.
 */
export function unknownCommandLine(typed: string, config: CommandList): string {
  const names = [...new Set(config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...(c.aliases ?? [])]))];
  names.sort();
  const every = `the commands are ${names.join(", ")} (see: tasks --help)`;
  // `tasks --bogus`: a flag where the command goes (oclif answers --help and --version itself).
  if (typed.startsWith("-")) return `Error: no command given before "${typed}"; ${every}`;
  const meant = closestNames(typed, names).map((name) => `"${name}"`);
  const list = meant.length > 1 ? `${meant.slice(0, -1).join(", ")} or ${meant.at(-1)}` : meant[0];
  return `Error: unknown command "${typed}"; ${list ? `did you mean ${list}? (see: tasks --help)` : every}`;
}

/**
 * The one line for words after a command that takes no arguments (`tasks worker emails`, where
 * `--queue emails` was meant): oclif looks for a command "worker emails", finds none and calls
 * command-not-found.ts, whose "unknown command" would name the very command typed.
 */
export function unexpectedWordsLine(command: string, words: readonly string[]): string {
  const given = words.map((word) => `"${word}"`).join(" ");
  return `Error: tasks ${command} takes no arguments, got ${given} (see: tasks ${command} --help)`;
}
