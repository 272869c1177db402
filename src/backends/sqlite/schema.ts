import type Database from "better-sqlite3";
import { ConfigError } from "../../core/errors.js";
import { MIGRATIONS } from "./migrations.js";

/**
 * The schema version this code writes and understands, kept in `PRAGMA user_version`.
 * Version N is reached by applying MIGRATIONS[0..N-1] in order (migrations.ts), so it is their
 * count: appending a migration is what moves it.
 */
export const SCHEMA_VERSION = MIGRATIONS.length;

function tooNew(path: string, found: number): ConfigError {
  return new ConfigError(
    `database ${path} has schema version ${found} but this tasklane supports up to ${SCHEMA_VERSION}; upgrade tasklane`,
  );
}

function userVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Throws ConfigError, without writing anything, when the file was made by a newer tasklane.
 * Run it before any pragma that writes (journal_mode) so a refused file stays byte-identical.
 */
export function assertNotNewer(db: Database.Database, path: string): number {
  const found = userVersion(db);
  if (found > SCHEMA_VERSION) throw tooNew(path, found);
  return found;
}

/**
 * Brings the schema to SCHEMA_VERSION. Safe when several processes open a brand new file at
 * once: the version is re-read under BEGIN IMMEDIATE (one writer at a time), so exactly one
 * process applies each migration and the others see it done. user_version is written in the
 * same transaction as the DDL, so a crash leaves either the old or the new schema.
 */
export function migrate(db: Database.Database, path: string): void {
  if (assertNotNewer(db, path) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const current = assertNotNewer(db, path);
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    // A pragma cannot take a bound parameter; SCHEMA_VERSION is a number of this code's own.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
