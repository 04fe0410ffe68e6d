import { RawRows } from './raw-rows.ts';

/** One row as an object keyed by column name. */
export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
}

/** How one statement is run. */
export interface QueryOptions {
  /**
   * `false`: never run as a prepared statement, so it is planned with its actual values every time.
   * For statements whose best plan depends on the values (a text search's pattern: a generic plan
   * cannot use the trigram index for `LIKE $1`). Default: a statement seen a few times is prepared.
   */
  readonly prepare?: boolean;
}

/** What a query runs on: the store itself, or a transaction inside it. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /**
   * The rows of a statement whose `width` columns are all text or bytea, as the bytes the database sent,
   * never decoded into strings (see {@link RawRows}). Absent where the backend has nothing cheaper
   * than `query`; callers use {@link queryRaw}, which falls back to it.
   */
  rawRows?(sql: string, params: readonly unknown[], width: number): Promise<RawRows>;
}

/**
 * A statement's rows as bytes (see {@link Queryable.rawRows}); every column must be text or bytea,
 * with distinct names that are not numbers (the fallback takes a row's values in column order).
 */
export async function queryRaw(db: Queryable, sql: string, params: readonly unknown[], width: number): Promise<RawRows> {
  if (db.rawRows) return db.rawRows(sql, params, width);
  const { rows } = await db.query(sql, params);
  return RawRows.fromValues(
    rows.map((r) => Object.values(r)),
    width,
  );
}

/**
 * The store seam: everything the platform asks of a database. Drivers live only in their adapters.
 * Inside `transaction(fn)` use the handed transaction, never the store: on a single-connection
 * backend a store call made inside a transaction waits for that transaction and never returns.
 */
export interface Store extends Queryable {
  readonly profile: BackendProfile;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribe to NOTIFY on a channel; absent where the profile says so (callers then poll). */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Every difference between the backends, in one place. Code asks the profile, never
 * "is this PGlite?".
 */
export interface BackendProfile {
  readonly name: 'pglite' | 'postgres';
  /** Concurrent connections: 1 means every call is queued behind the one before. */
  readonly connections: 'single' | 'pool';
  /** Whether LISTEN/NOTIFY reaches other instances (so workers can sleep instead of polling). */
  readonly crossInstanceNotify: boolean;
  /** Whether the data survives a power cut (fsync). */
  readonly durableAgainstPowerLoss: boolean;
  /** Whether the same data may be served by several processes at once. */
  readonly multiInstance: boolean;
  /** How often background workers poll when they cannot be woken by NOTIFY, in ms. */
  readonly pollIntervalMs: number;
}

export const BACKEND_PROFILES: Readonly<Record<BackendProfile['name'], BackendProfile>> = Object.freeze({
  pglite: Object.freeze({
    name: 'pglite',
    connections: 'single',
    crossInstanceNotify: false,
    durableAgainstPowerLoss: false,
    multiInstance: false,
    pollIntervalMs: 250,
  }),
  postgres: Object.freeze({
    name: 'postgres',
    connections: 'pool',
    crossInstanceNotify: true,
    durableAgainstPowerLoss: true,
    multiInstance: true,
    pollIntervalMs: 1000,
  }),
});

/** PostgreSQL error codes the platform reacts to. */
export const PG_CODES = {
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  uniqueViolation: '23505',
  invalidDatetime: '22007',
  datetimeOverflow: '22008',
  invalidText: '22P02',
} as const;

/** The SQLSTATE of a driver error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
