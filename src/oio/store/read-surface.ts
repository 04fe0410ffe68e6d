/**
 * The OIO store's read surface: what a service's own statements may rely on when they read the
 * store's tables directly for speed (FK Organisation's hierarchy scan, read models and rule of
 * ownership; FK Klassifikation's class search), and the fragments that say which registration
 * counts. Which registration is current, and what a database snapshot saw, is decided here only:
 * a change of how registrations are closed or versioned changes these fragments, not the services'
 * statements. The tables and columns a service may name are documented in docs/oio.md ("The read
 * surface"); test/oio-read-surface.test.ts refuses a service statement that decides currency by
 * hand.
 */
import { currentInSnapshot } from './snapshot-sql.ts';

export { currentInSnapshot };

/** SQL: registration `r` is the object's current one now (not closed by a later registration). */
export function currentNow(r: string): string {
  return `${r}.til = 'infinity'`;
}

/** SQL: registration `r` was current at the registration time `at` (an expression of type timestamptz or a parameter). */
export function currentAt(r: string, at: string): string {
  return `${r}.fra <= ${at} AND ${r}.til > ${at}`;
}

/**
 * SQL: registration `r` was current at registration time `at` as snapshot `snap` saw it, when one is
 * given (a paged read pinned to its first page's snapshot), else as {@link currentAt}. Parameters
 * are cast here.
 */
export function currentAtPinned(r: string, at: string, snap: string | undefined): string {
  return snap !== undefined ? currentInSnapshot(r, at, snap) : currentAt(r, `${at}::timestamptz`);
}

/**
 * SQL: the end of registration `r` as snapshot `snap` saw it: a closing that snapshot could not see
 * did not happen for its reader (`infinity`).
 */
export function endSeenBy(r: string, snap: string): string {
  return `CASE WHEN ${r}.til_xid IS NOT NULL AND NOT pg_visible_in_snapshot(${r}.til_xid, ${snap}::pg_snapshot) THEN 'infinity' ELSE ${r}.til END`;
}
