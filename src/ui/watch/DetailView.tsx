import { Box, Text } from "ink";
import type { TaskResultData } from "../../core/result.js";
import { shortId } from "../text/format.js";
import type { DetailLine } from "./detail.js";
import { STATUS_COLOR } from "./format.js";

export interface DetailViewProps {
  result: TaskResultData;
  lines: readonly DetailLine[];
  scroll: number;
  rows: number;
  /** The result no longer matches the list's filters (shown as last seen). */
  stale: boolean;
}

/** One result in full (args, return value, every error with its traceback), scrolled to `scroll`. */
export function DetailView({ result, lines, scroll, rows, stale }: DetailViewProps) {
  const shown = lines.slice(scroll, scroll + rows);
  const end = Math.min(lines.length, scroll + rows);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{result.taskName}</Text> <Text color={STATUS_COLOR[result.status]}>{result.status}</Text>
        <Text dimColor>
          {" "}
          {shortId(result.id)} · lines {lines.length === 0 ? 0 : scroll + 1}-{end} of {lines.length}
          {stale ? " · no longer in the list (last seen)" : ""}
        </Text>
      </Text>
      {shown.map((line, i) => (
        <Text
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional.
          key={scroll + i}
          wrap="truncate"
          color={line.color}
          bold={line.bold}
          dimColor={line.dim}
        >
          {line.text || " "}
        </Text>
      ))}
    </Box>
  );
}
