import pg from 'pg';
import { SETTINGS } from '../config-table.ts';
import { inlineParams, parseBinaryCopy, type RawRows } from './raw-rows.ts';
import { BACKEND_PROFILES, type Queryable, type QueryOptions, type QueryResult, type Row, type Store } from './store.ts';

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  /** The longest a statement may run, in ms (0: no limit): no request holds a connection longer. */
  statementTimeoutMs?: number;
  /** Schema to create and put first on the search path (tests give each suite its own). */
  schema?: string;
}

// Instants leave the database as the text PostgreSQL prints, never as a JS Date: a Date drops
// microseconds, and registration times must round-trip exactly. bigint stays text too.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 1184 || oid === 1114 || oid === 20) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * Names for statements worth preparing: a parameterised statement seen a few times gets a name,
 * so each connection parses and plans it once. Names are capped, so statements built per request
 * (searches) cannot fill the server's memory with prepared statements.
 */
class StatementNames {
  private readonly seen = new Map<string, number>();
  private readonly names = new Map<string, string>();
  constructor(
    private readonly after = 3,
    private readonly cap = 256,
  ) {}
  nameFor(sql: string): string | undefined {
    const name = this.names.get(sql);
    if (name !== undefined) return name;
    if (this.names.size >= this.cap) return undefined;
    const n = (this.seen.get(sql) ?? 0) + 1;
    if (n < this.after) {
      if (this.seen.size < 10 * this.cap) this.seen.set(sql, n);
      return undefined;
    }
    this.seen.delete(sql);
    const named = `s${this.names.size}`;
    this.names.set(sql, named);
    return named;
  }
}

/**
 * `COPY (statement) TO STDOUT (FORMAT binary)` as a query of pg's: the rows arrive as CopyData
 * messages, whose bytes are collected (copied at once: pg's parser may reuse its buffer) and
 * handed over whole when the statement ends. Only the simple protocol runs COPY, so the
 * statement carries its parameters as literals.
 */
class CopyOut {
  private data = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  private error: Error | undefined;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly done: (err: Error | undefined, data: Buffer) => void,
  ) {}

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    const chunk = msg.chunk;
    if (this.length + chunk.length > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.length + chunk.length));
      this.data.copy(grown, 0, 0, this.length);
      this.data = grown;
    }
    this.length += chunk.copy(this.data, this.length);
  }

  handleError(err: Error): void {
    // pg drops the query on an error message: ReadyForQuery never reaches it.
    this.error = err;
    this.finish();
  }

  handleReadyForQuery(): void {
    this.finish();
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this.error, this.data.subarray(0, this.length));
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
}

/**
 * A client taken from the pool, heard while it is out: when its connection is lost, pg fails the
 * query under way and also emits the error on the client, and an error nobody listens for ends
 * the process. (The pool listens only to the clients it holds idle.)
 */
async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const heard = () => {};
  client.on('error', heard);
  const release = client.release;
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', heard);
    release(err);
  };
  return client;
}

class PgQueryable implements Queryable {
  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly statements: StatementNames,
  ) {}
  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> {
    const name = params.length && options?.prepare !== false ? this.statements.nameFor(sql) : undefined;
    const out = (await this.client.query<R>({ text: sql, values: params as unknown[], types, ...(name ? { name } : {}) })) as
      pg.QueryResult<R> | pg.QueryResult<R>[];
    // Without parameters pg uses the simple protocol, where a script of many statements
    // answers with one result each; the last one is the script's result.
    const res = Array.isArray(out) ? out[out.length - 1]! : out;
    return { rows: res.rows, rowCount: res.rowCount ?? res.rows.length };
  }

  async rawRows(sql: string, params: readonly unknown[], width: number): Promise<RawRows> {
    const text = `COPY (${inlineParams(sql, params)}) TO STDOUT (FORMAT binary)`;
    const pooled = this.client instanceof pg.Pool;
    const client = pooled ? await checkout(this.client as pg.Pool) : (this.client as pg.PoolClient);
    let broken: Error | undefined;
    try {
      const data = await new Promise<Buffer>((resolve, reject) => {
        client.query(new CopyOut(text, (err, bytes) => (err ? reject(err) : resolve(bytes))) as unknown as pg.QueryConfig);
      });
      return parseBinaryCopy(data, width);
    } catch (err) {
      // As the pool's own query does: a client whose statement failed is not handed out again
      // (the connection may be ending: the server's FATAL error comes before the socket closes).
      broken = err as Error;
      throw err;
    } finally {
      if (pooled) (client as pg.PoolClient).release(broken);
    }
  }
}

class PostgresStore extends PgQueryable implements Store {
  readonly profile = BACKEND_PROFILES.postgres;
  constructor(
    private readonly pool: pg.Pool,
    private readonly names: StatementNames = new StatementNames(),
  ) {
    super(pool, names);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await checkout(this.pool);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(new PgQueryable(client, this.names));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A failed statement aborts the transaction; roll back before handing the client back. A
      // client that cannot roll back (its connection lost) is not handed out again.
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      if (!rolledBack) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const client = await checkout(this.pool);
    const handler = (msg: pg.Notification) => {
      if (msg.channel === channel) onPayload(msg.payload ?? '');
    };
    client.on('notification', handler);
    await client.query(`LISTEN ${channel}`);
    return async () => {
      client.off('notification', handler);
      await client.query(`UNLISTEN ${channel}`).catch(() => {});
      client.release();
    };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The statement timeout of the platform's connections unless configured (STOTTE_DB_STATEMENT_TIMEOUT_MS). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = SETTINGS.dbStatementTimeoutMs.default;

/** Opens a pool on a PostgreSQL server and checks that it answers. */
export async function openPostgres(options: PostgresOptions): Promise<Store> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) {
    throw new Error(`bad schema name ${options.schema}`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // JIT compiling is off for the platform's connections: its statements are short, and a scan whose
    // estimate crosses jit_above_cost spent more compiling than running (17 ms of a 60 ms statement).
    options:
      `-c jit=off -c statement_timeout=${options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS}` +
      (options.schema ? ` -c search_path=${options.schema},public` : ''),
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    if (options.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return new PostgresStore(pool);
}

/** Drops a schema made by {@link openPostgres} (tests clean up after themselves). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
