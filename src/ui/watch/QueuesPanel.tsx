import { Box, Text } from "ink";
import type { QueueCounts } from "../../contract/management.js";
import type { TaskResultStatus } from "../../core/result.js";
import { ago } from "../text/format.js";
import { cell, count, STATUS_COLOR } from "./format.js";
import { oldestDue } from "./tab-tables.js";

export interface QueuesPanelProps {
  queues: readonly QueueCounts[];
  /** Rows available; extra queues collapse into a "+N more" note. */
  maxRows: number;
  now: number;
  /** The terminal's width: number columns give way so that OLDEST DUE and "paused" fit. */
  columns: number;
}

const COLUMNS: TaskResultStatus[] = ["READY", "RUNNING", "FAILED", "SUCCEEDED"];
/** The number columns left out first when a row would not fit (READY always stays). */
const DROP_ORDER: TaskResultStatus[] = ["SUCCEEDED", "RUNNING", "FAILED"];
const DUE_WIDTH = 2 + 11;
const PAUSED_TEXT = " paused";

/** The number columns that fit beside the name, OLDEST DUE and (when a queue is paused) its state. */
function numberColumns(queues: readonly QueueCounts[], nameWidth: number, columns: number) {
  let shown = COLUMNS.map((status) => ({
    status,
    // As wide as its heading or its largest number, plus a gap of two.
    width: 2 + Math.max(status.length, ...queues.map((q) => count(q.counts[status]).length)),
  }));
  const state = queues.some((q) => q.paused) ? PAUSED_TEXT.length : 0;
  const needed = () => nameWidth + shown.reduce((n, c) => n + c.width, 0) + DUE_WIDTH + state;
  for (const status of DROP_ORDER) {
    if (needed() <= columns) break;
    shown = shown.filter((c) => c.status !== status);
  }
  return shown;
}

/**
 * Per queue: READY, RUNNING, FAILED, SUCCEEDED, how long the longest-waiting due task has
 * waited (deferred tasks do not count: they are not late), and whether the queue is paused. On
 * a narrow terminal SUCCEEDED, then RUNNING, then FAILED give way: "paused" cut to "pa…" hid
 * the one thing that explains why a queue's READY tasks do not run.
 */
export function QueuesPanel({ queues, maxRows, now, columns }: QueuesPanelProps) {
  if (maxRows <= 0) return null;
  const nameWidth = Math.min(24, Math.max(6, ...queues.map((q) => q.queueName.length))) + 1;
  const widths = numberColumns(queues, nameWidth, columns);
  const overflow = queues.length > maxRows;
  const shown = overflow ? queues.slice(0, maxRows - 1) : queues;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold>
        {cell("QUEUE", nameWidth)}
        {widths.map((c) => cell(c.status, c.width, "right")).join("")}
        {"  OLDEST DUE"}
      </Text>
      {queues.length === 0 ? <Text dimColor>no tasks yet</Text> : null}
      {shown.map((q) => (
        <Text key={q.queueName} wrap="truncate">
          {cell(q.queueName, nameWidth)}
          {widths.map((c) => (
            <Text key={c.status} color={q.counts[c.status] > 0 ? STATUS_COLOR[c.status] : undefined}>
              {cell(count(q.counts[c.status]), c.width, "right")}
            </Text>
          ))}
          {"  "}
          <OldestDue queue={q} now={now} />
          {q.paused ? <Text color="yellow">{PAUSED_TEXT}</Text> : null}
        </Text>
      ))}
      {overflow ? <Text dimColor>+{queues.length - shown.length} more queues</Text> : null}
    </Box>
  );
}

function OldestDue({ queue, now }: { queue: QueueCounts; now: number }) {
  const due = oldestDue(queue);
  return due ? <Text color="blue">{cell(ago(due, now), 11)}</Text> : <Text dimColor>{cell("-", 11)}</Text>;
}
