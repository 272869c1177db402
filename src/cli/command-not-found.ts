import type { Hook } from "@oclif/core/hooks";
import { unknownCommandLine } from "./unknown-command.js";

/**
 * oclif's `command_not_found` hook (package.json): `tasks enqueu add 1 2` exits 2 with one line
 * naming the word it did not know and the command it most likely meant, like any other usage
 * error. oclif's own message names no alternative, and joins every word into the id it did not
 * find ("command enqueu:add:1:2 not found").
 */
const commandNotFound: Hook.CommandNotFound = async function (options) {
  // With topicSeparator " ", oclif joins the words before the first flag with ":".
  const typed = options.id.split(":")[0] ?? options.id;
  process.stderr.write(`${unknownCommandLine(typed, options.config)}\n`);
  this.exit(2);
};

export default commandNotFound;
