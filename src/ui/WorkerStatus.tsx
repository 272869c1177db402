import { Box, Text } from "ink";
export interface WorkerStatusProps {
  running: number;
  succeeded: number;
  failed: number;
  retried: number;
  /** Tasks finished per second over the last few seconds. */
  rate: number;
  workerId: string;
  queues: string;
  stopping: "no" | "graceful" | "forced";
  lastFailure?: string;
  /** The backend cannot be reached (shown until it can again). */
  warning?: string;
  /** The latest store error, with its time (a claim or heartbeat that failed; "store gone" ends the worker). */
  storeError?: string;
}

/** The worker's one-line live status on a TTY. */
export function WorkerStatus(props: WorkerStatusProps) {
  return (
    <Box flexDirection="column">
      <Box gap={2}>
        <Text bold>{props.workerId}</Text>
        <Text dimColor>queues {props.queues}</Text>
        <Text color="yellow">running {props.running}</Text>
        <Text color="green">succeeded {props.succeeded}</Text>
        <Text color="red">failed {props.failed}</Text>
        {props.retried > 0 ? <Text color="blue">retried {props.retried}</Text> : null}
        <Text>{props.rate.toFixed(1)} tasks/s</Text>
        {props.stopping === "graceful" ? <Text color="yellow">stopping (Ctrl+C again to force)</Text> : null}
        {props.stopping === "forced" ? <Text color="red">interrupting</Text> : null}
      </Box>
      {props.warning ? <Text color="yellow">⚠ {props.warning}</Text> : null}
      {props.storeError ? <Text color="yellow">⚠ {props.storeError}</Text> : null}
      {props.lastFailure ? <Text color="red">last failure: {props.lastFailure}</Text> : null}
    </Box>
  );
}
