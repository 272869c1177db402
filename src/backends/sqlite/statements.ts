import type BetterSqlite3 from "better-sqlite3";

type Stmt<R> = BetterSqlite3.Statement<unknown[], R>;

/**
 * The one prepared-statement cache of a connection: every SQL constant (sql/*.ts) is prepared
 * on first use and kept as long as the connection lives. Values are always bound parameters.
 */
export class Statements {
  readonly #db: BetterSqlite3.Database;
  readonly #rows = new Map<string, Stmt<unknown>>();
  readonly #values = new Map<string, Stmt<unknown>>();
  readonly #arrays = new Map<string, Stmt<unknown>>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  /** A statement returning rows (or run for its changes). */
  get<R = unknown>(sql: string): Stmt<R> {
    let stmt = this.#rows.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#rows.set(sql, stmt);
    }
    return stmt as Stmt<R>;
  }

  /** A statement whose single column comes back as plain values. */
  pluck<R = unknown>(sql: string): Stmt<R> {
    let stmt = this.#values.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql).pluck();
      this.#values.set(sql, stmt);
    }
    return stmt as Stmt<R>;
  }

  /** A statement whose rows come back as arrays in column order (cheaper than objects: rows.ts, ClaimedRow). */
  arrays<R extends unknown[]>(sql: string): Stmt<R> {
    let stmt = this.#arrays.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql).raw();
      this.#arrays.set(sql, stmt);
    }
    return stmt as Stmt<R>;
  }
}
