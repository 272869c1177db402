import { statSync } from "node:fs";
import { dirname } from "node:path";
import { execa, type ResultPromise } from "execa";
import { TreeWatcher } from "./watch-tree.js";

export interface SupervisorOptions {
  /** The config file; its folder is watched. */
  configPath: string;
  /** `node` and the CLI entry to start children with, and the worker's own arguments (without --reload). */
  command: string;
  /** Node's own options for every child (this process's execArgv: `--import tsx` loads their code the same way). */
  nodeArgs?: string[];
  args: string[];
  /** How long a running task may take to finish on reload before the child is stopped hard. */
  graceMs: number;
  /** Quiet period after a change before reloading, so a save touching several files reloads once. */
  debounceMs: number;
  log: (line: string) => void;
  /**
   * Each line the worker child prints, when the supervisor renders the terminal itself: the
   * child's output is then piped here instead of shared, so nothing the child draws can
   * overwrite the supervisor's messages.
   */
  onChildLine?: (line: string) => void;
  /** What the supervisor is doing, for a status line. */
  onState?: (state: SupervisorState) => void;
  /**
   * The SQLite file the worker serves. A worker stops when that file is deleted or replaced
   * (store gone): a new file there (the next enqueue makes one) starts a worker on it, with no
   * code change needed. `rm -rf .tasks` is how one starts over while developing.
   */
  storePath?: string;
}

/** How often the store path is looked at (a stat): a new file is served within this long. */
const STORE_LOOK_MS = 500;

/** "running": a worker child is up; "reloading": the old one is finishing its tasks; "waiting": none runs (it exited); "stopping": Ctrl+C. */
export type SupervisorState = "running" | "reloading" | "waiting" | "stopping";

/**
 * `tasks worker --reload`: runs the worker as a child and restarts it when code changes.
 * The new code is loaded in a throwaway check first, so a syntax error keeps the old worker
 * running (and the supervisor waits for the next change) instead of leaving no worker at all.
 */
export class ReloadSupervisor {
  #child: ResultPromise | null = null;
  #watcher: TreeWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reloading: Promise<void> | null = null;
  #pending = false;
  #stopping = 0;
  #done!: () => void;
  /** The store file the running worker serves ("dev:ino"; null: none there yet). */
  #served: string | null = null;
  /** The store file there when the last worker exited (undefined: it has not exited). */
  #exitedWith: string | null | undefined;
  #storeTimer: NodeJS.Timeout | null = null;

  constructor(readonly options: SupervisorOptions) {}

  /** Resolves with the last child's exit code once stopped by a signal. */
  async run(): Promise<number> {
    const finished = new Promise<void>((resolve) => {
      this.#done = resolve;
    });
    this.#watcher = new TreeWatcher(dirname(this.options.configPath), (path) => this.#changed(path));
    await this.#watcher.ready();
    if (this.#stopping === 0) this.#start();
    if (this.options.storePath) {
      this.#storeTimer = setInterval(() => this.#lookAtStore(), STORE_LOOK_MS);
      this.#storeTimer.unref();
    }
    await finished;
    if (this.#storeTimer) clearInterval(this.#storeTimer);
    const last = await this.#child;
    return last?.exitCode ?? 0;
  }

  /** Signals reach the child with a plain worker's meaning: first graceful, second forced. */
  stop(): void {
    this.#stopping++;
    if (this.#stopping === 1) {
      this.#watcher?.close();
      if (this.#timer) clearTimeout(this.#timer);
      this.options.onState?.("stopping");
    }
    this.#child?.kill("SIGTERM");
    // No worker running (none started yet, or the last one exited and no change restarted
    // it): nothing will report an exit, so the supervisor is done now.
    if (!this.#child || this.#child.exitCode !== null) this.#done();
  }

  /**
   * While a worker runs, notes which file it serves (the worker may create it). Once it has
   * exited, starts another when the file there is not the one it left: one restored or moved
   * over it before it stopped, or a new one made since (`rm -rf .tasks`, then an enqueue).
   */
  #lookAtStore(): void {
    if (this.#stopping > 0 || this.#reloading) return;
    const now = this.#storeIdentity();
    const child = this.#child;
    if (!child) return;
    if (child.exitCode === null) {
      this.#served ??= now;
      return;
    }
    if (this.#exitedWith === undefined) return; // its exit is not handled yet
    const replaced = this.#served !== null && this.#exitedWith !== null && this.#exitedWith !== this.#served;
    // A file that is still the one it exited with starts nothing: a worker that crashes at start
    // would otherwise be restarted every half second.
    if (replaced || (now !== null && now !== this.#exitedWith)) {
      this.options.log(`a new database file is at ${this.options.storePath}: starting the worker on it`);
      this.#start();
    }
  }

  /** The store file's "dev:ino", or null when there is none (or no store path was given). */
  #storeIdentity(): string | null {
    const path = this.options.storePath;
    if (!path) return null;
    try {
      const stat = statSync(path);
      return `${stat.dev}:${stat.ino}`;
    } catch {
      return null;
    }
  }

  #start(): void {
    this.#served = this.#storeIdentity();
    this.#exitedWith = undefined;
    // Its own process group: a Ctrl+C in the terminal reaches only the supervisor, which
    // forwards it once; otherwise the child would get it twice and force-stop.
    const onLine = this.options.onChildLine;
    const child = execa(this.options.command, [...(this.options.nodeArgs ?? []), ...this.options.args], {
      stdio: onLine ? ["inherit", "pipe", "pipe"] : "inherit",
      detached: true,
      reject: false,
      buffer: false,
    });
    if (onLine) {
      for (const stream of [child.stdout, child.stderr]) {
        let rest = "";
        stream?.on("data", (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split("\n");
          rest = lines.pop() ?? "";
          for (const line of lines) onLine(line);
        });
        stream?.on("end", () => {
          if (rest) onLine(rest);
        });
      }
    }
    this.#child = child;
    this.options.onState?.("running");
    void child.then((result) => {
      if (this.#child !== child) return; // replaced by a reload
      if (this.#stopping > 0) this.#done();
      else {
        this.#exitedWith = this.#storeIdentity();
        this.options.onState?.("waiting");
        this.options.log(
          `worker exited (code ${result.exitCode}); waiting for a change${this.options.storePath ? ", or a new database file," : ""} to start it again`,
        );
      }
    });
  }

  #changed(path: string): void {
    if (this.#stopping > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.options.log(`change detected (${path}), reloading`);
      void this.#reload();
    }, this.options.debounceMs);
  }

  async #reload(): Promise<void> {
    if (this.#reloading) {
      this.#pending = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#pending = false;
        const check = await execa(this.options.command, this.#checkArgs(), { reject: false, stdin: "ignore" });
        if (check.exitCode !== 0) {
          this.options.log(
            `the changed code does not load, keeping the running worker: ${String(check.stderr).trim()}`,
          );
          continue;
        }
        this.options.onState?.("reloading");
        await this.#stopChild();
        if (this.#stopping === 0) this.#start();
      } while (this.#pending && this.#stopping === 0);
    })();
    try {
      await this.#reloading;
    } finally {
      this.#reloading = null;
    }
  }

  /** `tasks info --config …`: loads the config and every task module in a fresh process. */
  #checkArgs(): string[] {
    const [entry] = this.options.args;
    const nodeArgs = this.options.nodeArgs ?? [];
    return [...nodeArgs, entry ?? "", "info", "--json", "--config-only", "--config", this.options.configPath];
  }

  async #stopChild(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    this.#child = null;
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      this.options.log(`worker still busy after ${this.options.graceMs} ms, stopping it hard`);
      child.kill("SIGTERM"); // second signal: running tasks are recorded as interrupted
    }, this.options.graceMs);
    await child;
    clearTimeout(timer);
  }
}
