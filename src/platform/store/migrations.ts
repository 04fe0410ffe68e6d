import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Queryable, Store } from './store.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

// Any fixed number: every instance takes the same advisory lock, so only one migrates at a time.
const MIGRATION_LOCK = 4_711_202_601;

/** The versioned SQL files (`NNNN_name.sql`), in order. One set serves every backend. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

async function ensureTable(db: Queryable): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`);
}

/** Versions that are applied; throws if an applied file was edited afterwards. */
async function applied(db: Queryable, migrations: Migration[]): Promise<Set<number>> {
  const { rows } = await db.query<{ version: number; checksum: string; name: string }>(
    'SELECT version, checksum, name FROM schema_migration ORDER BY version',
  );
  for (const row of rows) {
    const m = migrations.find((x) => x.version === row.version);
    if (m && m.checksum !== row.checksum) {
      throw new Error(`migration ${row.name} was changed after it was applied; add a new migration instead`);
    }
  }
  return new Set(rows.map((r) => r.version));
}

/**
 * Applies every pending migration in one transaction, under a transaction-level advisory lock
 * (so instances starting together migrate one at a time, and the lock is released with the
 * transaction, on whichever pooled connection it ran). PostgreSQL's DDL is transactional: a failed
 * migration leaves the schema as it was. Returns the names applied.
 */
export async function migrate(store: Store, migrations = loadMigrations()): Promise<string[]> {
  return store.transaction(async (tx) => {
    // A migration may rebuild an index over everything: the request-sized statement timeout is not its.
    await tx.query('SET LOCAL statement_timeout = 0');
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await ensureTable(tx);
    const have = await applied(tx, migrations);
    const done: string[] = [];
    for (const m of migrations) {
      if (have.has(m.version)) continue;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      done.push(m.name);
    }
    return done;
  });
}

/** Names of migrations not yet applied (readiness fails while any is pending). */
export async function pendingMigrations(store: Store, migrations = loadMigrations()): Promise<string[]> {
  const { rows } = await store.query<{ exists: boolean }>("SELECT to_regclass('schema_migration') IS NOT NULL AS exists");
  if (!rows[0]?.exists) return migrations.map((m) => m.name);
  const have = await applied(store, migrations);
  return migrations.filter((m) => !have.has(m.version)).map((m) => m.name);
}
