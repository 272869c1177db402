import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { freePort } from "../../helpers/free-port.js";
import { waitForPing as waitForPingOf } from "../../helpers/redis-server.js";

/**
 * A redis-server child process of its own, for tests that kill and restart Redis: persistence
 * on (every write fsynced before Redis answers, so an acknowledged write survives kill -9), in a
 * temp folder, restarted on the same port so clients reconnect to it.
 */
export class RedisProcess {
  #proc: ResultPromise | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly password: string | undefined,
    readonly persist: boolean,
  ) {}

  /** `persist: false` turns persistence off (for throughput comparisons only: a restart loses everything). */
  static async start(options: { password?: string; persist?: boolean } = {}): Promise<RedisProcess> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), "tasklane-redisp-"));
      const server = new RedisProcess(await freePort(), dir, options.password, options.persist ?? true);
      try {
        await server.restart();
        return server;
      } catch (error) {
        lastError = error;
        await server.stop();
      }
    }
    throw new Error(`could not start redis-server: ${(lastError as Error)?.message}`);
  }

  /** The URL clients use (with the password in it when the server has one). */
  get url(): string {
    return `redis://${this.password ? `:${encodeURIComponent(this.password)}@` : ""}127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#proc !== null;
  }

  /** Starts the server (again) on its port and folder; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.#proc) throw new Error("redis-server is already running");
    const args = [
      ...["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir],
      ...["--appendonly", this.persist ? "yes" : "no", "--appendfsync", "always", "--save", ""],
      ...["--logfile", join(this.dir, "redis.log")],
      ...(this.password ? ["--requirepass", this.password] : []),
    ];
    const proc = execa("redis-server", args, { reject: false, stdin: "ignore", buffer: false });
    this.#proc = proc;
    void proc.then(() => {
      if (this.#proc === proc) this.#proc = null;
    });
    await waitForPing(this.port, this.password, proc);
  }

  /** kill -9: no shutdown, no final fsync (what a crash or an OOM kill does). */
  async kill(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    this.#proc = null;
    proc.kill("SIGKILL");
    await proc;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

/** Resolves once the server answers PING (after loading its data); rejects if it exits first. */
async function waitForPing(port: number, password: string | undefined, proc: ResultPromise): Promise<void> {
  let exited = false;
  void proc.then(() => {
    exited = true;
  });
  await waitForPingOf(port, { password, timeoutMs: 20_000, gone: () => exited });
}
