import { Box, Static, Text } from "ink";
import { WorkerStatus, type WorkerStatusProps } from "./WorkerStatus.js";

/** One permanent line above the status: a supervisor message or a line the worker printed. */
export interface ReloadLine {
  id: number;
  text: string;
  tone: "info" | "error" | "plain";
}

export interface ReloadScreenProps {
  /** Every line so far, oldest first: Ink prints each once, above the live part, and never redraws it. */
  lines: readonly ReloadLine[];
  /** The current worker's status line (null before the first one has started). */
  status: WorkerStatusProps | null;
  /** What the supervisor is doing. */
  state: "running" | "reloading" | "waiting" | "stopping";
}

const TONE = { info: "cyan", error: "red", plain: undefined } as const;

/** `tasks worker --reload` on a terminal: the supervisor's messages stay on screen; the status line updates below them. */
export function ReloadScreen({ lines, status, state }: ReloadScreenProps) {
  return (
    <Box flexDirection="column">
      <Static items={[...lines]}>
        {(line) => (
          <Text key={line.id} color={TONE[line.tone]}>
            {line.text}
          </Text>
        )}
      </Static>
      {status ? <WorkerStatus {...status} stopping={state === "stopping" ? "graceful" : "no"} /> : null}
      {state === "reloading" ? (
        <Text color="yellow">reloading: the running tasks finish, then the new code starts</Text>
      ) : null}
      {state === "waiting" ? <Text color="yellow">no worker running: waiting for a change to the code</Text> : null}
    </Box>
  );
}
