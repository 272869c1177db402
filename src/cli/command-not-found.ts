import type { Hook } from "@oclif/core/hooks";
import { unexpectedWordsLine, unknownCommandLine } from "./unknown-command.js";

/**
 * oclif's `command_not_found` hook (package.json): `tasks enqueu add 1 2` exits 2 with one line
 * naming the word it did not know and the command it most likely meant, like any other usage
 * error. oclif's own message names no alternative, and joins every word into the id it did not
 * find ("command enqueu:add:1:2 not found"). Words after a command that takes none land here
 * too, and are named as such.
 */
const commandNotFound: Hook.CommandNotFound = async function (options) {
  // With topicSeparator " ", oclif joins the words before the first flag with ":".
  const [typed = options.id, ...rest] = options.id.split(":");
  const known = rest.length > 0 && options.config.findCommand(typed);
  process.stderr.write(`${known ? unexpectedWordsLine(typed, rest) : unknownCommandLine(typed, options.config)}\n`);
  this.exit(2);
};

export default commandNotFound;
