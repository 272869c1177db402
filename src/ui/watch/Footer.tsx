import { Text } from "ink";
import type { Confirm, Message, Mode } from "./keys.js";

export interface FooterProps {
  mode: Mode;
  columns: number;
  draft: string;
  /** Registered task names matching the draft (shown while typing a filter). */
  matches: readonly string[];
  confirm: Confirm | null;
  message: Message | null;
}

const LIST_KEYS: [string, string][] = [
  ["↑↓/jk", "move"],
  ["PgUp/PgDn", "page"],
  ["g/G", "top/end"],
  ["⏎", "open"],
  ["/", "task"],
  ["s", "status"],
  ["Tab", "queue"],
  ["R", "retry"],
  ["C", "cancel"],
  ["p", "pause"],
  ["q", "quit"],
];
const DETAIL_KEYS: [string, string][] = [
  ["↑↓/jk", "scroll"],
  ["PgUp/PgDn", "page"],
  ["g/G", "top/end"],
  ["Esc/←", "back"],
  ["R", "retry"],
  ["C", "cancel"],
  ["p", "pause"],
  ["q", "quit"],
];
/** Dropped in this order when the line is too narrow (all stay documented in --help). */
const OPTIONAL = ["PgUp/PgDn", "g/G", "↑↓/jk", "p", "Tab", "s", "/", "⏎", "Esc/←"];

const width = (keys: [string, string][]) => keys.reduce((n, [k, l]) => n + k.length + l.length + 3, -2);

/** The longest key list that fits: drop the optional entries one by one (↑↓/jk becomes ↑↓). */
function fitting(keys: [string, string][], columns: number): [string, string][] {
  let shown = keys;
  for (const drop of OPTIONAL) {
    if (width(shown) <= columns) return shown;
    shown = drop === "↑↓/jk" ? shown.map(([k, l]) => [k === drop ? "↑↓" : k, l]) : shown.filter(([k]) => k !== drop);
  }
  return shown;
}

function KeyHelp({ keys }: { keys: [string, string][] }) {
  return (
    <Text wrap="truncate">
      {keys.map(([k, label], i) => (
        <Text key={k}>
          {i > 0 ? "  " : ""}
          <Text bold>{k}</Text> <Text dimColor>{label}</Text>
        </Text>
      ))}
    </Text>
  );
}

const TONE = { info: "cyan", ok: "green", error: "red" } as const;

/** One line: the keys, or the filter prompt, the y/n question, or the outcome of the last action. */
export function Footer({ mode, columns, draft, matches, confirm, message }: FooterProps) {
  if (mode === "filter") {
    const hint = matches.length > 0 ? `matches ${matches.join(", ")}` : draft ? "no registered task matches" : "";
    return (
      <Text wrap="truncate">
        <Text bold color="cyan">
          /task{" "}
        </Text>
        {draft}
        <Text inverse> </Text>
        <Text dimColor>
          {"  "}⏎ apply · Esc cancel {hint ? `· ${hint}` : ""}
        </Text>
      </Text>
    );
  }
  if (mode === "confirm" && confirm) {
    const verb = confirm.action === "retry" ? "Retry" : "Cancel";
    return (
      <Text wrap="truncate" color="yellow" bold>
        {verb} {confirm.taskName} {confirm.id}? (y/n)
      </Text>
    );
  }
  if (message) {
    return (
      <Text wrap="truncate" color={TONE[message.tone]}>
        {message.text}
      </Text>
    );
  }
  return <KeyHelp keys={fitting(mode === "detail" ? DETAIL_KEYS : LIST_KEYS, columns)} />;
}
