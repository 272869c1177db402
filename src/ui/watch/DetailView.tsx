import { Text } from "ink";
import type { FailureGroup } from "../../contract/management.js";
import type { TaskResultData } from "../../core/result.js";
import { shortId } from "../text/format.js";
import type { DetailLine } from "./detail.js";
import { STATUS_COLOR } from "./format.js";
import { groupLabel } from "./panels.js";
import { ScrollText } from "./ScrollText.js";

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
  return (
    <ScrollText
      heading={
        <>
          <Text bold>{result.taskName}</Text> <Text color={STATUS_COLOR[result.status]}>{result.status}</Text>
          <Text dimColor> {shortId(result.id)}</Text>
        </>
      }
      note={stale ? "no longer in the list (last seen)" : undefined}
      lines={lines}
      scroll={scroll}
      rows={rows}
    />
  );
}

export interface GroupViewProps {
  group: FailureGroup;
  lines: readonly DetailLine[];
  scroll: number;
  rows: number;
  stale: boolean;
}

/** One failure group in full: where, which tasks, how many, the last message and a sample traceback. */
export function GroupView({ group, lines, scroll, rows, stale }: GroupViewProps) {
  return (
    <ScrollText
      heading={
        <>
          <Text bold color="red">
            {groupLabel(group)}
          </Text>
          <Text dimColor> failure group</Text>
        </>
      }
      note={stale ? "no longer in the list (last seen)" : undefined}
      lines={lines}
      scroll={scroll}
      rows={rows}
    />
  );
}
