import { Text } from "ink";
import type { WorkerInfo } from "../../contract/management.js";
import { ago } from "../text/format.js";
import { noWorkerHint, shownWorkers } from "./snapshot.js";

export interface WorkersLineProps {
  workers: readonly WorkerInfo[];
  heartbeatMs: number;
  now: number;
  /** READY tasks: with no live worker, the line says none will run them. */
  ready: number;
  /** The backend shown: the hint's command names it. */
  alias?: string;
}

/** "workers 2 live: web-1 ♥ just now · web-2 ♥ 1s ago · old-3 STALE ♥ 40s ago" */
export function WorkersLine({ workers, heartbeatMs, now, ready, alias }: WorkersLineProps) {
  const shown = shownWorkers(workers, heartbeatMs, now);
  const live = shown.filter((w) => w.health === "live").length;
  const hint = noWorkerHint(live, ready, alias);
  return (
    <Text wrap="truncate">
      <Text dimColor>workers </Text>
      <Text bold color={live > 0 ? "green" : "yellow"}>
        {live} live
      </Text>
      {hint ? <Text color="yellow"> · {hint}</Text> : null}
      {/* After the hint, which ends in a command, a ": " would read as part of it. */}
      {shown.length > 0 ? hint ? <Text dimColor> · </Text> : ": " : ""}
      {shown.map(({ worker, health }, i) => (
        <Text key={worker.id}>
          {i > 0 ? <Text dimColor> · </Text> : null}
          <Text color={health === "live" ? undefined : "red"}>{worker.id}</Text>
          {health !== "live" ? <Text color="red"> {health.toUpperCase()}</Text> : null}
          <Text dimColor> ♥ {ago(worker.lastHeartbeatAt, now)}</Text>
        </Text>
      ))}
    </Text>
  );
}
