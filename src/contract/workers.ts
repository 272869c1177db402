/** A worker as the registry knows it (`tasks watch`, `tasks why`). */
export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  startedAt: Date;
  lastHeartbeatAt: Date;
  state: "running" | "stopped" | "dead";
  /** The task names its config registers (absent where the backend does not record them: SQLite). */
  tasks?: string[];
}
