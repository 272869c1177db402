// What every scenario shares: sizes, fresh temp projects, the built dist, raw connections.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import type * as BackendModule from "../src/backends/sqlite/backend.js";
import type * as LoadModule from "../src/config/load.js";
import type { ActiveConfig } from "../src/config/registry.js";
import type { Task } from "../src/core/task.js";

/** Tasks per throughput scenario; `BENCH_N=5000 npm run bench` for a quick check. */
export const N = Number(process.env.BENCH_N ?? 50_000);
if (!Number.isInteger(N) || N < 1000) throw new Error(`BENCH_N must be an integer ≥ 1000, got ${process.env.BENCH_N}`);

/** The CLI users run (built). */
export const BIN = resolve(import.meta.dirname, "../bin/run.js");

/** The task every scenario enqueues: one number argument, returns null (a no-op). */
export type NoopTask = Task<[number], null>;

/** (d)'s task: returns when it started, as a wall-clock time in ms with sub-ms precision. */
export type StampTask = Task<[number], number>;

// performance.timeOrigin + performance.now() is the wall clock at sub-ms resolution, the same in
// every process of this machine (Date.now() has 1 ms steps).
const CONFIG = `import { defineConfig, task } from "tasklane";

export const noop = task((_i: number) => null);
export const stamp = task((_i: number) => performance.timeOrigin + performance.now());

export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "tasks.sqlite3" } } },
  tasks: { noop, stamp },
});
`;

const made: string[] = [];

/** A fresh temp folder holding a tasks.config.ts whose sqlite file is `<dir>/tasks.sqlite3`. */
export function project(label: string): { dir: string; configPath: string; dbPath: string } {
  const dir = mkdtempSync(join(tmpdir(), `tasklane-bench-${label}-`));
  made.push(dir);
  const configPath = join(dir, "tasks.config.ts");
  writeFileSync(configPath, CONFIG);
  return { dir, configPath, dbPath: join(dir, "tasks.sqlite3") };
}

/** A fresh temp folder for a peer's files. */
export function scratch(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tasklane-bench-${label}-`));
  made.push(dir);
  return dir;
}

/** Removes every temp folder made by this run. */
export function cleanupAll(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// The built dist, loaded at run time (`npm run bench` builds first). Types come from src so
// `npm run typecheck` does not need a build.
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const loadModule = () => import(dist("config/load.js")) as Promise<typeof LoadModule>;
const backendModule = () => import(dist("backends/sqlite/backend.js")) as Promise<typeof BackendModule>;

/**
 * Loads a project's config the way the library does, and returns it with its noop task and,
 * in a config made by project(), its stamp task.
 */
export async function loadProject(
  configPath: string,
): Promise<{ config: ActiveConfig; noop: NoopTask; stamp: StampTask | undefined }> {
  const config = await (await loadModule()).loadConfig({ explicit: configPath });
  const noop = config.tasks.get("noop") as NoopTask | undefined;
  if (!noop) throw new Error(`${configPath}: no noop task`);
  return { config, noop, stamp: config.tasks.get("stamp") as StampTask | undefined };
}

/**
 * Creates tasklane's schema in a fresh file by opening a SqliteBackend on it, then returns a
 * plain better-sqlite3 connection with the store's pragmas (WAL, synchronous NORMAL).
 */
export async function rawSchemaDb(path: string): Promise<Database.Database> {
  const { SqliteBackend } = await backendModule();
  const backend = new SqliteBackend({ alias: "default", queues: ["default"], options: { path } });
  void backend.store; // opens, creates and migrates the file
  await backend.close();
  return openRaw(path);
}

/** A plain connection to an existing tasklane file, with the store's pragmas. */
export function openRaw(path: string): Database.Database {
  const db = new Database(path, { timeout: 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  return db;
}

/** Machine facts for the report header. */
export function machine(): { cpu: string; cores: number; node: string; sqlite: string; date: string } {
  const db = new Database(":memory:");
  const sqlite = (db.prepare("select sqlite_version()").pluck().get() as string) ?? "?";
  db.close();
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    node: process.version,
    sqlite,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}
