// Unique tasks. The partial UNIQUE index over unique_hold (migrations.ts, v3) is what refuses a
// second holder of a key, so an insert that would be one does nothing and the enqueue returns
// the holder instead. Values are bound parameters, never SQL text.

import { INSERT } from "./enqueue.js";

/** The store's INSERT, doing nothing (0 changes) when another row holds the same key. */
export const INSERT_UNLESS_HELD = `${INSERT} ON CONFLICT (unique_hold) WHERE unique_hold IS NOT NULL DO NOTHING`;

/** The row holding a key (one seek in the partial index: `=` implies IS NOT NULL). */
export const HOLDER = "SELECT * FROM tasklane_results WHERE unique_hold = ?";

/** Gives up a period hold whose end has passed (nothing else clears those). */
export const RELEASE_EXPIRED = `UPDATE tasklane_results SET unique_hold = NULL
  WHERE seq = @seq AND unique_scope = 'period' AND unique_until <= @now`;
