/**
 * A LIMIT bound at run time. Written `+@limit`, not `@limit`: SQLite's planner peeks at a bare
 * variable in LIMIT, which (in a build with STAT4, as better-sqlite3's is) marks the statement
 * expired whenever the variable is bound, so every run re-prepared it. Measured on the claim's
 * candidate SELECT: ~15.6 µs per run with `LIMIT @limit`, ~3.7 µs with `LIMIT +@limit` (the
 * same value, an expression the planner leaves alone). Plans are unchanged (tests check them).
 */
export const LIMIT = "LIMIT +@limit";
