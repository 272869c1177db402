import { Box, Text } from "ink";
import type { QueueCounts } from "../../contract/management.js";
import type { TaskResultStatus } from "../../core/result.js";
import { ago } from "../text/format.js";
import { cell, count, STATUS_COLOR } from "./format.js";

export interface QueuesPanelProps {
  queues: readonly QueueCounts[];
  /** Rows available; extra queues collapse into a "+N more" note. */
  maxRows: number;
  now: number;
}

const COLUMNS: TaskResultStatus[] = ["READY", "RUNNING", "FAILED", "SUCCEEDED"];

/** Per queue: READY, RUNNING, FAILED, SUCCEEDED and how long the oldest READY task has waited. */
export function QueuesPanel({ queues, maxRows, now }: QueuesPanelProps) {
  if (maxRows <= 0) return null;
  const nameWidth = Math.min(24, Math.max(6, ...queues.map((q) => q.queueName.length))) + 1;
  // Each number column is as wide as its heading or its largest number, plus a gap of two.
  const widths = COLUMNS.map((status) => ({
    status,
    width: 2 + Math.max(status.length, ...queues.map((q) => count(q.counts[status]).length)),
  }));
  const overflow = queues.length > maxRows;
  const shown = overflow ? queues.slice(0, maxRows - 1) : queues;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold>
        {cell("QUEUE", nameWidth)}
        {widths.map((c) => cell(c.status, c.width, "right")).join("")}
        {"  OLDEST READY"}
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
          {q.oldestReadyAt ? <Text color="blue">{ago(q.oldestReadyAt, now)}</Text> : <Text dimColor>-</Text>}
        </Text>
      ))}
      {overflow ? <Text dimColor>+{queues.length - shown.length} more queues</Text> : null}
    </Box>
  );
}
