// Text from the store (a task's error message, its traceback, a unique key) is whatever the task
// put there: printed raw, an escape sequence in it ("\u001b[2J") would clear or restyle the
// operator's terminal. Every command shows such text through these.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_OR_COLOUR = /\u001b\[[0-9;]*m|[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: idem.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// What JSON.stringify leaves raw of those: DEL and the C1 controls (\u009b starts a sequence, as ESC [ does).
const JSON_RAW_CONTROL = /[\u007f-\u009f]/g;

/** One control character as it is shown: \n, \t, \r, else \uXXXX. */
function escaped(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  if (c === "\r") return "\\r";
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Text on one line: control characters (a newline in a stored name, say) shown escaped. Colour
 * codes are kept (`"keep"`: the list commands' tables colour their own cells), or escaped too
 * (`"escape"`: text from the store, where every escape sequence came from a task).
 */
export function printable(text: string, colours: "keep" | "escape" = "keep"): string {
  if (colours === "escape") return text.replace(CONTROL, escaped);
  return text.replace(CONTROL_OR_COLOUR, (c) => (c.length > 1 ? c : escaped(c)));
}

/** Text from the store over several lines (a traceback): each line printable, the line breaks kept. */
export function printableLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => printable(line, "escape"))
    .join("\n");
}

/**
 * JSON text (JSON.stringify's) with the control characters it leaves raw, DEL and C1
 * (\u007f–\u009f), written \uXXXX as it writes the others: the same JSON value, printable. They
 * can only stand inside a string, where the escape means the same character.
 */
export function printableJson(json: string): string {
  return json.replace(JSON_RAW_CONTROL, escaped);
}
