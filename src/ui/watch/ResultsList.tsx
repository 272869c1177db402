import { Box, Text } from "ink";
import type { TaskResultData } from "../../core/result.js";
import { ago, lastAttemptTime, shortId } from "../text/format.js";
import { shownStatus } from "../text/status.js";
import { lend, MARKER_WIDTH } from "./columns.js";
import { cell, STATUS_COLOR, shownWidth } from "./format.js";
import { describeFilters, noResultsText, type WatchFilters } from "./snapshot.js";
import { ListTitle, marker } from "./Table.js";

export interface ResultsListProps {
  results: readonly TaskResultData[];
  hasMore: boolean;
  cursor: number;
  top: number;
  rows: number;
  columns: number;
  filters: WatchFilters;
  /** Why the filters may match nothing (WatchSnapshot.filterHint), said when the list is empty. */
  filterHint?: string;
  now: number;
  loading?: boolean;
  /** Ids marked with space. */
  selected?: readonly string[];
}

/**
 * Column widths for a terminal width: the task and queue columns share what is left, the one
 * lending the other what its names do not need (lend); no id column when narrow.
 */
export function resultColumns(width: number, results: readonly TaskResultData[] = []) {
  const withId = width >= 72;
  const fixed = MARKER_WIDTH + 10 + 9 + 9 + 6 + (withId ? 12 : 0);
  const rest = Math.max(12, width - fixed);
  const queue = Math.min(16, Math.max(7, Math.floor(rest / 3)));
  // Wide terminals: the task column stops at 40 so the columns stay close together.
  const task = Math.min(40, rest - queue);
  const want = (label: string, names: string[]) => 1 + Math.max(label.length, ...names.map(shownWidth));
  const [taskWidth = task, queueWidth = queue] = lend([
    { width: task, max: 40, want: want("TASK", [...new Set(results.map((r) => r.taskName))]) },
    { width: queue, max: 16, want: want("QUEUE", [...new Set(results.map((r) => r.queueName))]) },
  ]);
  return { status: 10, task: taskWidth, queue: queueWidth, age: 9, duration: 9, attempts: 6, id: withId ? 12 : 0 };
}

/** The filtered results, newest first, with the selected row highlighted. */
export function ResultsList(props: ResultsListProps) {
  const { results, cursor, top, rows, columns, now } = props;
  const w = resultColumns(columns, results);
  const shown = results.slice(top, top + rows);
  const selected = props.selected ?? [];
  return (
    <Box flexDirection="column">
      <ListTitle
        title="RESULTS"
        note="newest first"
        filter={describeFilters(props.filters)}
        top={top}
        shown={shown.length}
        total={results.length}
        hasMore={props.hasMore}
        marked={selected.length}
      />
      <Text wrap="truncate" dimColor>
        {" ".repeat(MARKER_WIDTH)}
        {cell("STATUS", w.status)}
        {cell("TASK", w.task)}
        {cell("QUEUE", w.queue)}
        {cell("AGE", w.age)}
        {cell("DURATION", w.duration)}
        {cell("ATT", w.attempts)}
        {w.id > 0 ? "ID" : ""}
      </Text>
      {results.length === 0 ? (
        <Text dimColor wrap="truncate">
          {props.loading ? "   loading…" : `   ${noResultsText(props.filters, props.filterHint)}`}
        </Text>
      ) : null}
      {shown.map((r, i) => {
        const isCursor = top + i === cursor;
        return (
          <Text key={r.id} wrap="truncate" inverse={isCursor}>
            {marker(isCursor, selected.includes(r.id))}
            <Text color={STATUS_COLOR[shownStatus(r, now)]}>{cell(shownStatus(r, now), w.status)}</Text>
            {cell(r.taskName, w.task)}
            {cell(r.queueName, w.queue)}
            {cell(ago(r.enqueuedAt, now), w.age)}
            {cell(lastAttemptTime(r, now), w.duration)}
            {cell(`${r.workerIds.length}/${r.maxAttempts}`, w.attempts)}
            {w.id > 0 ? <Text dimColor={!isCursor}>{shortId(r.id)}</Text> : null}
          </Text>
        );
      })}
    </Box>
  );
}
