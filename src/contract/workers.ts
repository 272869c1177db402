/** A worker as the registry knows it (`tasks watch`, `tasks why`). */
export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  startedAt: Date;
  lastHeartbeatAt: Date;
  state: "running" | "stopped" | "dead";
}
