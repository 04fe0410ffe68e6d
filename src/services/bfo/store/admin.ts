/** Queries of the administration: beskedtyper, dueslag, abonnementer, værdilister. */
import { randomBytes, randomUUID } from 'node:crypto';
import { sqlState, type Queryable } from '../../../platform/store/store.ts';
import { normaliseId } from '../domain/envelope.ts';
import { compileFilter, listsOf } from '../domain/filter.ts';
import type { BeskedtypeInfo } from '../domain/entitlements.ts';
import { bfoError } from '../errors.ts';
import type { DueslagRef } from '../transport/transport.ts';

export interface Beskedtype extends BeskedtypeInfo {
  readonly navn: string;
  readonly oprettet: string;
}

export type Levering = { readonly type: 'pull' } | { readonly type: 'push'; readonly url: string } | { readonly type: 'amqp' };

export interface Dueslag extends DueslagRef {
  readonly navn: string;
  readonly levering: Levering;
  readonly oprettet: string;
}

export interface Abonnement {
  readonly uuid: string;
  readonly dueslag: string;
  readonly beskedtype: string;
  readonly filter: unknown;
  readonly oprettet: string;
}

export interface Vaerdiliste {
  readonly uuid: string;
  readonly navn: string;
  readonly ejer: string;
  readonly antal: number;
  readonly rettet: string;
}

const ts = (col: string) => `to_json(${col})#>>'{}'`;

/** Inserts, turning a taken key into BFO_ALREADY_EXISTS. */
async function insertOnce(db: Queryable, sql: string, params: unknown[], what: string): Promise<void> {
  try {
    await db.query(sql, params);
  } catch (err) {
    if (sqlState(err) === '23505') throw bfoError('BFO_ALREADY_EXISTS', `A ${what} with UUID ${String(params[0])} exists already`);
    throw err;
  }
}

// --- beskedtyper -----------------------------------------------------------------------------

export interface NewBeskedtype {
  uuid?: string | undefined;
  navn: string;
  ejer: string;
  sensitivitet: BeskedtypeInfo['sensitivitet'];
}

export async function createBeskedtype(db: Queryable, b: NewBeskedtype): Promise<Beskedtype> {
  const uuid = (b.uuid ?? randomUUID()).toLowerCase();
  await insertOnce(
    db,
    'INSERT INTO bfo_beskedtype (uuid, navn, ejer, sensitivitet) VALUES ($1, $2, $3, $4)',
    [uuid, b.navn, b.ejer, b.sensitivitet],
    'beskedtype',
  );
  return getBeskedtype(db, uuid);
}

const BESKEDTYPE_COLUMNS = `uuid::text AS uuid, navn, ejer, sensitivitet, ${ts('oprettet')} AS oprettet`;

export async function listBeskedtyper(db: Queryable): Promise<Beskedtype[]> {
  return (await db.query<Beskedtype & Record<string, unknown>>(`SELECT ${BESKEDTYPE_COLUMNS} FROM bfo_beskedtype ORDER BY navn, uuid`))
    .rows;
}

export async function findBeskedtype(db: Queryable, uuid: string): Promise<Beskedtype | undefined> {
  return (await db.query<Beskedtype & Record<string, unknown>>(`SELECT ${BESKEDTYPE_COLUMNS} FROM bfo_beskedtype WHERE uuid = $1`, [uuid]))
    .rows[0];
}

export async function getBeskedtype(db: Queryable, uuid: string): Promise<Beskedtype> {
  return (await findBeskedtype(db, uuid)) ?? Promise.reject(bfoError('BFO_BESKEDTYPE_NOT_FOUND', `No beskedtype ${uuid}`));
}

export async function deleteBeskedtype(db: Queryable, uuid: string): Promise<void> {
  await getBeskedtype(db, uuid);
  try {
    await db.query('DELETE FROM bfo_beskedtype WHERE uuid = $1', [uuid]);
  } catch (err) {
    if (sqlState(err) === '23503') throw bfoError('BFO_IN_USE', `Beskedtype ${uuid} has subscriptions; delete them first`);
    throw err;
  }
}

// --- dueslag ---------------------------------------------------------------------------------

export interface NewDueslag {
  uuid?: string | undefined;
  navn: string;
  ejer: string;
  levering: { type: 'pull' | 'push' | 'amqp'; url?: string | undefined };
  opbevaringTimer?: number | undefined;
  maxLeveringer?: number | undefined;
  synlighedSekunder?: number | undefined;
  ordnetPrObjekt?: boolean | undefined;
}

interface DueslagRow {
  uuid: string;
  navn: string;
  ejer: string;
  levering: 'pull' | 'push' | 'amqp';
  push_url: string | null;
  opbevaring_sekunder: number;
  max_leveringer: number;
  synlighed_sekunder: number;
  ordnet: boolean;
  oprettet: string;
}

const DUESLAG_COLUMNS = `uuid::text AS uuid, navn, ejer, levering, push_url, opbevaring_sekunder, max_leveringer, synlighed_sekunder, ordnet, ${ts('oprettet')} AS oprettet`;

function dueslagOf(r: DueslagRow): Dueslag {
  return {
    uuid: r.uuid,
    navn: r.navn,
    ejer: r.ejer,
    levering: r.levering === 'push' ? { type: 'push', url: r.push_url! } : { type: r.levering },
    opbevaringSekunder: r.opbevaring_sekunder,
    maxLeveringer: r.max_leveringer,
    synlighedSekunder: r.synlighed_sekunder,
    ordnet: r.ordnet,
    oprettet: r.oprettet,
  };
}

/** Creates a dueslag. A push dueslag gets a signing secret, returned once. */
export async function createDueslag(db: Queryable, d: NewDueslag): Promise<{ dueslag: Dueslag; hemmelighed?: string }> {
  const uuid = (d.uuid ?? randomUUID()).toLowerCase();
  let secret: string | undefined;
  if (d.levering.type === 'push') {
    let url: URL;
    try {
      url = new URL(d.levering.url ?? '');
    } catch {
      throw bfoError('BFO_INVALID_DELIVERY', 'A push dueslag needs levering.url, an absolute https URL', { field: 'levering.url' });
    }
    // Plain http only to this machine (development and tests).
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
      throw bfoError('BFO_INVALID_DELIVERY', 'A push endpoint must be https', { field: 'levering.url' });
    secret = randomBytes(32).toString('base64url');
  } else if (d.levering.url !== undefined) {
    throw bfoError('BFO_INVALID_DELIVERY', `levering.url belongs to push, not ${d.levering.type}`, { field: 'levering.url' });
  }
  await insertOnce(
    db,
    `INSERT INTO bfo_dueslag (uuid, navn, ejer, levering, push_url, push_hemmelighed, opbevaring_sekunder, max_leveringer, synlighed_sekunder, ordnet)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      uuid,
      d.navn,
      d.ejer,
      d.levering.type,
      d.levering.type === 'push' ? d.levering.url : null,
      secret ?? null,
      Math.max(1, Math.round((d.opbevaringTimer ?? 7 * 24) * 3600)),
      d.maxLeveringer ?? 10,
      d.synlighedSekunder ?? 30,
      d.ordnetPrObjekt ?? false,
    ],
    'dueslag',
  );
  return { dueslag: await getDueslag(db, uuid), ...(secret ? { hemmelighed: secret } : {}) };
}

/**
 * Dueslag, of one owner (`ejer`, as asked) and limited to those `owner` may see (a caller's own IT
 * system; undefined or null for every owner).
 */
export async function listDueslag(db: Queryable, filter: { ejer?: string | undefined; owner?: string | null } = {}): Promise<Dueslag[]> {
  const { rows } = await db.query<DueslagRow & Record<string, unknown>>(
    `SELECT ${DUESLAG_COLUMNS} FROM bfo_dueslag
     WHERE ($1::text IS NULL OR ejer = $1) AND ($2::text IS NULL OR ejer = $2) ORDER BY navn, uuid`,
    [filter.ejer ?? null, filter.owner ?? null],
  );
  return rows.map(dueslagOf);
}

export async function getDueslag(db: Queryable, uuid: string): Promise<Dueslag> {
  const { rows } = await db.query<DueslagRow & Record<string, unknown>>(`SELECT ${DUESLAG_COLUMNS} FROM bfo_dueslag WHERE uuid = $1`, [
    uuid,
  ]);
  if (!rows[0]) throw bfoError('BFO_DUESLAG_NOT_FOUND', `No dueslag ${uuid}`);
  return dueslagOf(rows[0]);
}

export async function pushSecret(db: Queryable, uuid: string): Promise<string | undefined> {
  const { rows } = await db.query<{ s: string | null }>('SELECT push_hemmelighed AS s FROM bfo_dueslag WHERE uuid = $1', [uuid]);
  return rows[0]?.s ?? undefined;
}

export async function deleteDueslag(db: Queryable, uuid: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM bfo_dueslag WHERE uuid = $1', [uuid]);
  if (!rowCount) throw bfoError('BFO_DUESLAG_NOT_FOUND', `No dueslag ${uuid}`);
}

// --- abonnementer ----------------------------------------------------------------------------

export interface NewAbonnement {
  uuid?: string | undefined;
  dueslag: string;
  beskedtype: string;
  filter?: unknown;
}

const ABONNEMENT_COLUMNS = `uuid::text AS uuid, dueslag::text AS dueslag, beskedtype::text AS beskedtype, filter, ${ts('oprettet')} AS oprettet`;

export async function createAbonnement(db: Queryable, a: NewAbonnement): Promise<Abonnement> {
  const compiled = compileFilter(a.filter ?? {});
  const d = await getDueslag(db, a.dueslag.toLowerCase());
  await getBeskedtype(db, a.beskedtype.toLowerCase());
  const lists = [...new Set(listsOf(compiled))];
  if (lists.length) {
    // Only the dueslag's owner's own lists: another owner's would route (and explain) by its values.
    const { rows } = await db.query<{ uuid: string }>(
      'SELECT uuid::text AS uuid FROM bfo_vaerdiliste WHERE uuid = ANY($1::uuid[]) AND ejer = $2',
      [lists, d.ejer],
    );
    const missing = lists.filter((l) => !rows.some((r) => r.uuid === l));
    if (missing.length) throw bfoError('BFO_UNKNOWN_VAERDILISTE', `No value list ${missing.join(', ')}`, { lists: missing });
  }
  const uuid = (a.uuid ?? randomUUID()).toLowerCase();
  await insertOnce(
    db,
    'INSERT INTO bfo_abonnement (uuid, dueslag, beskedtype, filter) VALUES ($1, $2, $3, $4::jsonb)',
    [uuid, a.dueslag.toLowerCase(), a.beskedtype.toLowerCase(), JSON.stringify(a.filter ?? {})],
    'abonnement',
  );
  if (lists.length) await db.query('INSERT INTO bfo_abonnement_liste (abonnement, liste) SELECT $1, unnest($2::uuid[])', [uuid, lists]);
  return getAbonnement(db, uuid);
}

/** Subscriptions, of a dueslag or a beskedtype, limited to the dueslag `owner` owns (undefined or null: every owner's). */
export async function listAbonnementer(
  db: Queryable,
  filter: { dueslag?: string | undefined; beskedtype?: string | undefined; owner?: string | null },
): Promise<Abonnement[]> {
  return (
    await db.query<Abonnement & Record<string, unknown>>(
      `SELECT ${ABONNEMENT_COLUMNS} FROM bfo_abonnement a
       WHERE ($1::uuid IS NULL OR a.dueslag = $1) AND ($2::uuid IS NULL OR a.beskedtype = $2)
         AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM bfo_dueslag d WHERE d.uuid = a.dueslag AND d.ejer = $3))
       ORDER BY a.oprettet, a.uuid`,
      [filter.dueslag ?? null, filter.beskedtype ?? null, filter.owner ?? null],
    )
  ).rows;
}

export async function getAbonnement(db: Queryable, uuid: string): Promise<Abonnement> {
  const { rows } = await db.query<Abonnement & Record<string, unknown>>(
    `SELECT ${ABONNEMENT_COLUMNS} FROM bfo_abonnement WHERE uuid = $1`,
    [uuid],
  );
  if (!rows[0]) throw bfoError('BFO_ABONNEMENT_NOT_FOUND', `No abonnement ${uuid}`);
  return rows[0];
}

export async function deleteAbonnement(db: Queryable, uuid: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM bfo_abonnement WHERE uuid = $1', [uuid]);
  if (!rowCount) throw bfoError('BFO_ABONNEMENT_NOT_FOUND', `No abonnement ${uuid}`);
}

// --- værdilister -----------------------------------------------------------------------------

const LISTE_COLUMNS = `uuid::text AS uuid, navn, ejer, antal, ${ts('rettet')} AS rettet`;

export async function createVaerdiliste(db: Queryable, l: { uuid?: string | undefined; navn: string; ejer: string }): Promise<Vaerdiliste> {
  const uuid = (l.uuid ?? randomUUID()).toLowerCase();
  await insertOnce(db, 'INSERT INTO bfo_vaerdiliste (uuid, navn, ejer) VALUES ($1, $2, $3)', [uuid, l.navn, l.ejer], 'value list');
  return getVaerdiliste(db, uuid);
}

/** Value lists, limited to those `owner` owns (undefined or null: every owner's). */
export async function listVaerdilister(db: Queryable, owner: string | null = null): Promise<Vaerdiliste[]> {
  return (
    await db.query<Vaerdiliste & Record<string, unknown>>(
      `SELECT ${LISTE_COLUMNS} FROM bfo_vaerdiliste WHERE $1::text IS NULL OR ejer = $1 ORDER BY navn, uuid`,
      [owner],
    )
  ).rows;
}

export async function getVaerdiliste(db: Queryable, uuid: string): Promise<Vaerdiliste> {
  const { rows } = await db.query<Vaerdiliste & Record<string, unknown>>(`SELECT ${LISTE_COLUMNS} FROM bfo_vaerdiliste WHERE uuid = $1`, [
    uuid,
  ]);
  if (!rows[0]) throw bfoError('BFO_VAERDILISTE_NOT_FOUND', `No value list ${uuid}`);
  return rows[0];
}

export async function deleteVaerdiliste(db: Queryable, uuid: string): Promise<void> {
  await getVaerdiliste(db, uuid);
  try {
    await db.query('DELETE FROM bfo_vaerdiliste WHERE uuid = $1', [uuid]);
  } catch (err) {
    if (sqlState(err) === '23503') throw bfoError('BFO_IN_USE', `Value list ${uuid} is used by a subscription's filter`);
    throw err;
  }
}

/** Values as routing compares them: trimmed, UUIDs in lower case, empty lines dropped. */
export function normaliseValues(values: Iterable<string>): string[] {
  const out: string[] = [];
  for (const v of values) {
    const t = v.trim();
    if (t) out.push(normaliseId(t));
  }
  return out;
}

const CHUNK = 50_000;

/**
 * Adds values to a list (or replaces all of them), in chunks of one statement each, inside the
 * caller's transaction. A million values take a few seconds on PostgreSQL.
 */
export async function writeValues(tx: Queryable, uuid: string, values: readonly string[], replace: boolean): Promise<Vaerdiliste> {
  const { rows } = await tx.query('SELECT 1 FROM bfo_vaerdiliste WHERE uuid = $1 FOR UPDATE', [uuid]);
  if (!rows.length) throw bfoError('BFO_VAERDILISTE_NOT_FOUND', `No value list ${uuid}`);
  if (replace) await tx.query('DELETE FROM bfo_vaerdi WHERE liste = $1', [uuid]);
  for (let i = 0; i < values.length; i += CHUNK) {
    await tx.query('INSERT INTO bfo_vaerdi (liste, vaerdi) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [
      uuid,
      values.slice(i, i + CHUNK),
    ]);
  }
  await tx.query(
    'UPDATE bfo_vaerdiliste SET antal = (SELECT count(*) FROM bfo_vaerdi WHERE liste = $1), rettet = clock_timestamp() WHERE uuid = $1',
    [uuid],
  );
  return getVaerdiliste(tx, uuid);
}

export async function removeValues(tx: Queryable, uuid: string, values: readonly string[]): Promise<Vaerdiliste> {
  await getVaerdiliste(tx, uuid);
  await tx.query('DELETE FROM bfo_vaerdi WHERE liste = $1 AND vaerdi = ANY($2::text[])', [uuid, values]);
  await tx.query(
    'UPDATE bfo_vaerdiliste SET antal = (SELECT count(*) FROM bfo_vaerdi WHERE liste = $1), rettet = clock_timestamp() WHERE uuid = $1',
    [uuid],
  );
  return getVaerdiliste(tx, uuid);
}

/** Registers beskedtyper with fixed UUIDs (the registers' own), where missing. */
export async function ensureBeskedtyper(db: Queryable, types: readonly (NewBeskedtype & { uuid: string })[]): Promise<void> {
  for (const t of types)
    await db.query('INSERT INTO bfo_beskedtype (uuid, navn, ejer, sensitivitet) VALUES ($1, $2, $3, $4) ON CONFLICT (uuid) DO NOTHING', [
      t.uuid,
      t.navn,
      t.ejer,
      t.sensitivitet,
    ]);
}

/** Whether a dueslag exists. */
export async function dueslagExists(db: Queryable, uuid: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM bfo_dueslag WHERE uuid = $1', [uuid])).rows.length > 0;
}
