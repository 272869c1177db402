import type BetterSqlite3 from "better-sqlite3";
import { afterFailure, beforeWrite } from "./full-disk.js";
import { storageError } from "./storage-errors.js";

/**
 * The worker store and the management store, as the backend hands them out: every method
 * (all async) of `target` runs with the storage guard around it. A failure reaches the caller
 * as storageError() words it, naming the file and the fix; a full disk gets its chance to
 * recover (full-disk.ts). The worker loop retries a failed claim by itself, so nothing here
 * repeats a call. `openDb` gives the connection when one is open (null: nothing to relieve).
 */
export function guardStorage<T extends object>(
  target: T,
  path: string,
  openDb: () => BetterSqlite3.Database | null,
): T {
  const fail = (error: unknown): unknown => {
    const db = openDb();
    if (db) afterFailure(db, error);
    return storageError(error, path);
  };
  return new Proxy(target, {
    get(object, property) {
      // The target itself as receiver: its getters and methods use private (#) fields.
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const db = openDb();
        if (db) beforeWrite(db);
        let result: unknown;
        try {
          result = value.apply(object, args);
        } catch (error) {
          throw fail(error);
        }
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw fail(error);
            })
          : result;
      };
    },
  });
}
