import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Backend, type BackendInit, type EnqueueRequest } from "../../contract/backend.js";
import type { ManagementStore } from "../../contract/management.js";
import { readyRecord } from "../../contract/records.js";
import type { WorkerRunner, WorkerRunnerInput } from "../../contract/runner.js";
import type { ScheduleStore } from "../../contract/schedules.js";
import { InvalidTaskError, TaskResultDoesNotExist } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { AnyTask } from "../../core/task.js";
import { type RedisSettings, readSettings, safeUrl } from "./connection.js";
import { storeJobs } from "./enqueue.js";
import { evictionPolicy, warnIfEvicting } from "./eviction.js";
import type { RedisHost } from "./host.js";
import { recordsById } from "./jobs.js";
import { redisKind } from "./kind.js";
import { ProducerLink } from "./link.js";
import { RedisManagement } from "./manage.js";
import { type OwnKeys, ownKeys } from "./own-keys.js";
import { LeanQueue } from "./queue.js";
import { RedisWorkerRunner } from "./runner.js";
import { RedisSchedules } from "./schedules.js";
import { WorkerNames } from "./worker-codes.js";

/**
 * Tasks in Redis through BullMQ: one BullMQ Queue per queue name, jobs whose id is the
 * TaskResult id (UUIDv7), run by `tasks worker` (BullMQ Workers, see runner.ts) on any number
 * of machines. Statuses map from BullMQ's states (see records.ts); unique tasks hold their key
 * through BullMQ's deduplication (unique.ts). tasklane keeps small structures of its own beside
 * the queues (own-keys.ts): an id → queue index (id-index.ts), cancelled tombstones, the worker
 * registry and worker codes, pause times and the schedules (schedules.ts). Jobs are stored lean
 * (queue.ts): every byte of a job is paid once per result kept. The config opens it with open(),
 * which proves the connection (`tasks check` reports an unreachable Redis). The connection never
 * keeps a script alive once its last command has answered (link.ts); after close() the next use
 * reconnects.
 */
export class RedisBackend extends Backend implements RedisHost {
  readonly kind = "redis";
  readonly supportsDefer = redisKind.capabilities.supportsDefer;
  readonly supportsAsyncTask = redisKind.capabilities.supportsAsyncTask;
  readonly supportsGetResult = redisKind.capabilities.supportsGetResult;
  readonly supportsPriority = redisKind.capabilities.supportsPriority;
  override readonly supportsUnique = true;

  readonly settings: RedisSettings;
  readonly keys: OwnKeys;
  readonly workerNames = new WorkerNames();
  readonly #link: ProducerLink;
  readonly #queues = new Map<string, Queue>();
  /** Queues this process has already added to the `queues` set. */
  readonly #knownQueues = new Set<string>();
  #management: RedisManagement | null = null;
  #schedules: RedisSchedules | null = null;

  constructor(init: BackendInit) {
    super(init);
    this.settings = readSettings(init.options);
    this.keys = ownKeys(this.settings.prefix);
    // Queues are bound to the connection they were made on: a new connection needs new ones.
    this.#link = new ProducerLink(this.settings, () => this.#dropQueues());
  }

  /** A backend whose connection is already proven (RedisUnavailableError otherwise). */
  static async open(init: BackendInit): Promise<RedisBackend> {
    const backend = new RedisBackend(init);
    await backend.use(() => backend.client());
    return backend;
  }

  client(): Promise<Redis> {
    return this.#link.client();
  }

  use<T>(fn: () => Promise<T>): Promise<T> {
    return this.#link.use(fn);
  }

  /** The BullMQ Queue of a queue name, on the shared connection (created once per connection). */
  async queue(name: string): Promise<Queue> {
    const client = await this.client();
    let queue = this.#queues.get(name);
    if (!queue) {
      // BullMQ would print its eviction warning for every Queue: said once here instead.
      await warnIfEvicting(client, this.settings.url);
      queue = this.#queues.get(name);
    }
    if (!queue) {
      queue = new LeanQueue(name, { connection: client, prefix: this.settings.prefix });
      // Errors surface on the awaited commands; the event would only print them twice.
      queue.on("error", () => {});
      this.#queues.set(name, queue);
    }
    return queue;
  }

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    // Checked here as well as at config load: with `queues: []` any queue name reaches this point.
    for (const request of requests) {
      const problem = redisKind.queueNameProblem?.(request.queueName);
      if (problem) throw new InvalidTaskError(`Task "${request.taskName}": queue "${request.queueName}" ${problem}`);
    }
    return this.use(() => this.#store(requests));
  }

  async #store(requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const now = new Date();
    const records = requests.map((request) => readyRecord(this.alias, request, now));
    return storeJobs(this, records, requests, now, this.#knownQueues);
  }

  /** Stores records made elsewhere (a schedule's ticks, with ids of their own); see storeJobs. */
  storeRecords(records: TaskResultData[], requests: EnqueueRequest[], now: Date): Promise<TaskResultData[]> {
    return storeJobs(this, records, requests, now, this.#knownQueues);
  }

  getResultData(id: string): Promise<TaskResultData> {
    return this.use(async () => {
      const record = (await recordsById(this, [id])).get(id);
      if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
      return record;
    });
  }

  override createWorkerRunner(input: WorkerRunnerInput): WorkerRunner {
    return new RedisWorkerRunner(this, input);
  }

  override schedules(): ScheduleStore {
    this.#schedules ??= new RedisSchedules(this);
    return this.#schedules;
  }

  override management(): ManagementStore {
    this.#management ??= new RedisManagement(this);
    return this.#management;
  }

  /**
   * `tasks check`: the connection is proven by open(); this reads what would lose tasks without
   * an error. An eviction policy other than noeviction lets Redis delete keys (a waiting job, a
   * unique key's hold) once it reaches maxmemory: BullMQ requires noeviction. (Other commands say
   * it in one line as they make their first BullMQ object, eviction.ts.)
   */
  override async check(): Promise<string[]> {
    const policy = await this.use(async () => evictionPolicy(await (await this.client()).info("memory")));
    if (policy === undefined || policy === "noeviction") return [];
    return [
      `Redis may evict keys under memory pressure (maxmemory-policy ${policy}), and a task with them, without an error; set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction)`,
    ];
  }

  override describeLocation(): string {
    return `${safeUrl(this.settings.url)} (prefix "${this.settings.prefix}")`;
  }

  override async close(): Promise<void> {
    await this.#link.close();
  }

  #dropQueues(): void {
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    // A Queue on a shared connection never closes the connection itself.
    for (const queue of queues) void queue.close().catch(() => {});
  }
}
