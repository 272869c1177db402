import { Text } from "ink";
import type { TabId } from "./tabs.js";
import type { Confirm, Message, Mode } from "./view.js";

export interface FooterProps {
  mode: Mode;
  tab: TabId;
  /** How many tabs there are ("1-7 tabs"). */
  tabCount: number;
  columns: number;
  draft: string;
  /** Registered task names matching the draft (shown while typing a task filter). */
  matches: readonly string[];
  /** The `/` filter is a task-name filter on this tab (else any text). */
  taskFilter: boolean;
  confirm: Confirm | null;
  message: Message | null;
}

type Keys = [string, string][];

const MOVE: Keys = [
  ["↑↓/jk", "move"],
  ["PgUp/PgDn", "page"],
  ["g/G", "top/end"],
];
const END: Keys = [
  ["?", "keys"],
  ["q", "quit"],
];

function listKeys(tab: TabId, tabs: string): Keys {
  const switcher: Keys = [[tabs, "tabs"]];
  switch (tab) {
    case "overview":
      return [
        ...MOVE,
        ["⏎", "open"],
        ["space", "mark"],
        ["/", "task"],
        ["s", "status"],
        ["Tab", "queue"],
        ["R", "retry"],
        ["C", "cancel"],
        ...switcher,
        ...END,
      ];
    case "queues":
      return [...MOVE, ["⏎", "results"], ["P", "pause/resume"], ["/", "filter"], ...switcher, ...END];
    case "scheduled":
    case "retries":
      return [...MOVE, ["⏎", "open"], ["space", "mark"], ["/", "task"], ["C", "cancel"], ...switcher, ...END];
    case "errors":
      return [
        ...MOVE,
        ["⏎", "open"],
        ["space", "mark"],
        ["/", "filter"],
        ["R", "retry"],
        ["C", "cancel"],
        ...switcher,
        ...END,
      ];
    default:
      return [...MOVE, ["/", "filter"], ...switcher, ...END];
  }
}

const DETAIL_KEYS: Keys = [
  ["↑↓/jk", "scroll"],
  ["PgUp/PgDn", "page"],
  ["g/G", "top/end"],
  ["Esc/←", "back"],
  ["R", "retry"],
  ["C", "cancel"],
  ...END,
];
const HELP_KEYS: Keys = [
  ["↑↓/jk", "scroll"],
  ["Esc/?", "close"],
];

/** Dropped in this order when the line is too narrow (every key stays in `?` and --help). */
const OPTIONAL = ["PgUp/PgDn", "g/G", "↑↓/jk", "TABS", "Tab", "s", "/", "space", "⏎", "Esc/←", "?"];

const width = (keys: Keys) => keys.reduce((n, [k, l]) => n + k.length + l.length + 3, -2);

/** The longest key list that fits: drop the optional entries one by one (↑↓/jk becomes ↑↓). */
function fitting(keys: Keys, columns: number, tabs: string): Keys {
  let shown = keys;
  for (const optional of OPTIONAL) {
    if (width(shown) <= columns) return shown;
    const drop = optional === "TABS" ? tabs : optional;
    shown = drop === "↑↓/jk" ? shown.map(([k, l]) => [k === drop ? "↑↓" : k, l]) : shown.filter(([k]) => k !== drop);
  }
  return shown;
}

function KeyHelp({ keys }: { keys: Keys }) {
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
export function Footer(props: FooterProps) {
  const { mode, draft, matches, confirm, message } = props;
  if (mode === "filter") {
    const hint = !props.taskFilter
      ? ""
      : matches.length > 0
        ? `matches ${matches.join(", ")}`
        : draft
          ? "no registered task matches"
          : "";
    return (
      <Text wrap="truncate">
        <Text bold color="cyan">
          {props.taskFilter ? "/task " : "/filter "}
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
    return (
      <Text wrap="truncate" color="yellow" bold>
        {confirm.question} (y/n)
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
  const tabs = `1-${props.tabCount}`;
  const keys = mode === "help" ? HELP_KEYS : mode === "detail" ? DETAIL_KEYS : listKeys(props.tab, tabs);
  return <KeyHelp keys={fitting(keys, props.columns, tabs)} />;
}
