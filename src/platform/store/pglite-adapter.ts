import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { BACKEND_PROFILES, type Queryable, type QueryResult, type Row, type Store } from './store.ts';

export interface PgliteOptions {
  /** A data folder; omitted means in memory. */
  dataDir?: string;
  /** A data folder image (from {@link dumpPglite}) to start from, in memory. */
  image?: Blob;
}

const LOCK_FILE = 'stotte.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no lock of its own: two processes opening one folder corrupt it. Hold a lock file
 * with our pid; a file left by a dead process is taken over.
 */
function acquireLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new Error(`the data folder ${dir} is in use by process ${pid}; stop it first`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock the data folder ${dir}`);
}

type PgliteLike = Pick<PGlite, 'query' | 'transaction' | 'close' | 'exec'>;

/**
 * PGlite runs each statement in the event loop's thread, and a promise chain of statements never
 * lets a timer or another connection's callback in between them: a request of many statements
 * would hold the whole process for all of them. Each statement first yields to the event loop, so
 * the process is held at most one statement at a time (the statements are bounded by the
 * platform's limits, see docs/security.md).
 */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class PgliteQueryable implements Queryable {
  constructor(private readonly db: Pick<PGlite, 'query' | 'exec'>) {}
  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    await yieldToLoop();
    if (params.length === 0) {
      // Like pg without parameters: the simple protocol, so a migration file may hold many statements.
      const results = await this.db.exec(sql);
      const last = results[results.length - 1];
      return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
    }
    const res = await this.db.query<R>(sql, params as unknown[]);
    return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
  }
}

class PgliteStore extends PgliteQueryable implements Store {
  readonly profile = BACKEND_PROFILES.pglite;
  constructor(
    private readonly pg: PgliteLike,
    private readonly release: () => void,
  ) {
    super(pg);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // PGlite rolls back when fn throws; the error reaches the caller unchanged.
    return this.pg.transaction((tx) => fn(new PgliteQueryable(tx)));
  }
  async close(): Promise<void> {
    try {
      await this.pg.close();
    } finally {
      this.release();
    }
  }
}

const extensions = { pg_trgm };

// Same value shapes as the pg adapter: instants and bigints as the text PostgreSQL prints.
const asText = (v: string) => v;
const parsers = { 1184: asText, 1114: asText, 20: asText };

/** Opens the embedded database (a folder, or memory) with the extensions the migrations use. */
export async function openPglite(options: PgliteOptions): Promise<Store> {
  let release = () => {};
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    release = acquireLock(options.dataDir);
  }
  try {
    const pg = await PGlite.create({
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'pgdata') } : {}),
      ...(options.image ? { loadDataDir: options.image } : {}),
      extensions,
      parsers,
    });
    return new PgliteStore(pg, release);
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Keeps the embedded write-ahead log small: its defaults let it grow to a gigabyte. Takes effect
 * from the next start; ALTER SYSTEM cannot run inside a transaction, so this runs on its own.
 */
export async function tunePglite(store: Store): Promise<void> {
  await store.query("ALTER SYSTEM SET max_wal_size = '64MB'");
  await store.query("ALTER SYSTEM SET min_wal_size = '32MB'");
}

/**
 * Writes a consistent image of a data folder (the server must be stopped: the lock is taken).
 * The embedded database does not fsync, so this is the way to keep a copy that survives a power cut.
 */
export async function backupPglite(dataDir: string): Promise<Blob> {
  const release = acquireLock(dataDir);
  try {
    const pg = await PGlite.create({ dataDir: join(dataDir, 'pgdata'), extensions, parsers });
    try {
      return await pg.dumpDataDir('gzip');
    } finally {
      await pg.close();
    }
  } finally {
    release();
  }
}

/** Restores an image made by {@link backupPglite} into a new, empty data folder. */
export async function restorePglite(dataDir: string, image: Blob): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(join(dataDir, 'pgdata'))) throw new Error(`${dataDir} already holds a database; restore into a new folder`);
  const release = acquireLock(dataDir);
  try {
    const pg = await PGlite.create({ dataDir: join(dataDir, 'pgdata'), loadDataDir: image, extensions, parsers });
    await pg.close();
  } finally {
    release();
  }
}

/** An image of an embedded database, to start copies from (tests create one template, then copy). */
export async function dumpPglite(options: PgliteOptions, fn: (store: Store) => Promise<void>): Promise<Blob> {
  const pg = await PGlite.create({ ...(options.image ? { loadDataDir: options.image } : {}), extensions, parsers });
  const store = new PgliteStore(pg, () => {});
  await fn(store);
  const image = await pg.dumpDataDir('none');
  await pg.close();
  return image;
}
