import { redactUrl } from "../../core/redact.js";

// The Redis database a backend uses: the URL's path (redis://host:port/3), or its `?db=`, or the
// ioredis `connection.db` option, which wins. ioredis turns anything else into SELECT NaN (a raw
// error at the first command), and a number the server has no database for only fails the SELECT
// it sends as it connects: commands then run on database 0. Checked here instead. No ioredis
// import: the config checks the URL without loading it (kind.ts).

const DIGITS = /^\d+$/;

/** What is wrong with the database part of a redis:// URL, or null (none given is database 0). */
export function urlDatabaseProblem(url: string): string | null {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/^\//, "");
  const query = parsed.searchParams.get("db");
  if ((path === "" || DIGITS.test(path)) && (query === null || DIGITS.test(query))) return null;
  return `the database in ${redactUrl(url)} must be a number, 0–15 on a default server (its "databases" setting), as in redis://127.0.0.1:6379/0`;
}

/** The database number the connection selects; NaN when `connection.db` is not one. */
export function databaseOf(url: string, connection: Record<string, unknown>): number {
  const own = connection.db;
  if (own !== undefined) return typeof own === "number" && Number.isInteger(own) && own >= 0 ? own : Number.NaN;
  const parsed = new URL(url);
  const text = parsed.pathname.replace(/^\//, "") || parsed.searchParams.get("db") || "0";
  return DIGITS.test(text) ? Number(text) : Number.NaN;
}
