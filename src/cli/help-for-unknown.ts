import type { Hook } from "@oclif/core/hooks";

/**
 * oclif's `init` hook (package.json): `tasks enqueu --help` gets the line `tasks enqueu` gets
 * (command-not-found.ts) and exits 2. oclif answers a help flag before it looks the command up,
 * so the command_not_found hook never runs for it, and oclif's help says only "Command enqueu
 * not found". Every command runs this hook: it returns at once unless a help flag was given,
 * and loads the list of commands' matcher only for a word it does not know.
 */
const helpForUnknown: Hook.Init = async function ({ id, argv, config }) {
  const helpFlags = ["--help", ...(config.pjson.oclif.additionalHelpFlags ?? [])];
  const words = id === undefined ? argv : [id, ...argv];
  const end = words.indexOf("--");
  const given = end === -1 ? words : words.slice(0, end);
  if (!given.some((word) => helpFlags.includes(word))) return;
  // The word help is asked for: the first that is not a flag (with topicSeparator " ", oclif
  // joins the words before the first flag into the id with ":", as command-not-found.ts says).
  // Words joined after a command that takes no arguments are named as such (`worker emails --help`).
  const [subject, ...rest] = given.find((word) => !word.startsWith("-"))?.split(":") ?? [];
  if (!subject) return;
  const known = config.findCommand(subject);
  if (known && (rest.length === 0 || Object.keys(known.args ?? {}).length > 0)) return;
  if (!known && config.findTopic(subject)) return; // (oclif also lists every command as a topic)
  const { unexpectedWordsLine, unknownCommandLine } = await import("./unknown-command.js");
  process.stderr.write(`${known ? unexpectedWordsLine(subject, rest) : unknownCommandLine(subject, config)}\n`);
  this.exit(2);
};

export default helpForUnknown;
