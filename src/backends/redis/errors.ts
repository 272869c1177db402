import { BackendUnavailableError, TasklaneError } from "../../core/errors.js";

/** Redis could not be reached (or answered with an error); the message names the URL, password hidden. */
export class RedisUnavailableError extends BackendUnavailableError {}

/**
 * Errors that mean "Redis is not there right now" rather than "Redis refused this": the socket
 * failed, ioredis gave up retrying a command, or the server is still loading its data.
 */
export function isTransportError(error: unknown): boolean {
  const { name = "", message = "", code = "" } = (error ?? {}) as { name?: string; message?: string; code?: unknown };
  if (name === "MaxRetriesPerRequestError" || name === "AbortError") return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|^LOADING|Connection is closed|Stream isn't writeable|Socket closed unexpectedly/i.test(
    `${String(code)} ${message}`.trim(),
  );
}

const firstLine = (text: string) => text.split("\n")[0] ?? "";

/** What to check when Redis cannot be reached, after the reason. */
export const UNREACHABLE_HINT =
  "check that Redis is running and reachable from here, and the backend's url (host, port, password, TLS)";

/** Whether Redis refused the password (or the username and password) it was given. */
export function isPasswordRefusal(error: Error): boolean {
  return /^(WRONGPASS|ERR invalid password)/.test(error.message);
}

/** Why a connection failed when Redis refused its password, and what to check. */
export function refusedPassword(error: Error): string {
  const reply = firstLine(error.message).replace(/\.$/, "");
  return `the password was refused (${reply}); check the password (and username) in the backend's url or connection options`;
}

/**
 * A Redis failure as the one clear line users see, naming `url` (already redacted) and what to
 * check. `lastConnectionError` explains an ioredis "max retries" error (why it kept failing).
 * TasklaneErrors pass through; errors that did not come from Redis are not disguised as such.
 */
export function redisFailure(url: string, error: unknown, lastConnectionError?: Error): unknown {
  if (error instanceof TasklaneError) return error;
  if (isTransportError(error)) {
    const cause = error as Error;
    const why = cause.name === "MaxRetriesPerRequestError" && lastConnectionError ? lastConnectionError : cause;
    return new RedisUnavailableError(`Redis unreachable at ${url}: ${firstLine(why.message)}; ${UNREACHABLE_HINT}`, {
      cause,
    });
  }
  if ((error as Error | undefined)?.name === "ReplyError") {
    const why = firstLine(refusal(error as Error).message);
    const said = /^OOM /.test(why) ? `${why.replace(/\.$/, "")}; ${FULL_HINT}` : why;
    return new RedisUnavailableError(`Redis at ${url} refused a command: ${said}`, { cause: error });
  }
  return error;
}

/** What to do when Redis refuses writes for want of memory (maxmemory with noeviction). */
const FULL_HINT = "Redis is full: raise its maxmemory, or free memory (tasks prune, or a retention on the backend)";

/**
 * The reply that says why: a MULTI whose commands Redis refused as they were queued (out of
 * memory, say) fails with EXECABORT, and ioredis keeps those refusals in `previousErrors`.
 */
function refusal(error: Error): Error {
  const previous = (error as Error & { previousErrors?: unknown[] }).previousErrors;
  const first = previous?.find((e): e is Error => e instanceof Error);
  return /^EXECABORT/.test(error.message) && first ? first : error;
}
