import { Box, Text } from "ink";
import { ALL_STATUSES } from "../../core/result.js";
import { count, STATUS_COLOR } from "./format.js";
import { Sparkline } from "./Sparkline.js";
import type { BackendInfo, WatchSnapshot } from "./snapshot.js";
import { WorkersLine } from "./WorkersLine.js";

export interface HeaderProps {
  backend: BackendInfo;
  snapshot: WatchSnapshot | null;
  error: Error | null;
  paused: boolean;
  /** The terminal's width: while paused, the time of the data on screen stays when it fits. */
  columns: number;
}

/** " PAUSED " and " updated 12:00:00": with less than this left for the backend, PAUSED alone. */
const PAUSED_WITH_TIME_MIN_COLUMNS = 60;

const clock = (date: Date) => date.toTimeString().slice(0, 8);

/**
 * Four lines: backend and refresh state; counts by status; throughput; workers. Paused (p), the
 * data stays as it was: the time it was taken stays beside PAUSED, so how old it is shows.
 */
export function Header({ backend, snapshot, error, paused, columns }: HeaderProps) {
  const counts = snapshot?.counts;
  const updated = <Text dimColor>{snapshot ? `updated ${clock(snapshot.takenAt)}` : "loading…"}</Text>;
  return (
    <Box flexDirection="column">
      <Box>
        <Box flexGrow={1} flexShrink={1}>
          <Text wrap="truncate">
            <Text bold>tasklane watch</Text>
            <Text dimColor>
              {" · "}
              {backend.kind} {backend.alias}
              {" · "}
            </Text>
            {error ? <Text color="red">⚠ refresh failed: {error.message}</Text> : <Text>{backend.location}</Text>}
          </Text>
        </Box>
        <Box flexShrink={0} marginLeft={1}>
          {paused ? (
            <Text>
              <Text color="black" backgroundColor="yellow">
                {" PAUSED "}
              </Text>
              {columns >= PAUSED_WITH_TIME_MIN_COLUMNS ? <Text> {updated}</Text> : null}
            </Text>
          ) : (
            updated
          )}
        </Box>
      </Box>
      <Text wrap="truncate">
        {ALL_STATUSES.map((status) => (
          <Text key={status}>
            <Text color={STATUS_COLOR[status]}>{status}</Text> <Text bold>{counts ? count(counts[status]) : "-"}</Text>
            {"  "}
          </Text>
        ))}
      </Text>
      <Sparkline values={snapshot?.throughput ?? []} />
      <WorkersLine
        workers={snapshot?.workers ?? []}
        heartbeatMs={backend.heartbeatMs}
        now={snapshot?.takenAt.getTime() ?? 0}
        ready={counts?.READY ?? 0}
        alias={backend.alias}
      />
    </Box>
  );
}
