import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../../platform/store/store.ts';
import { oioError } from '../errors.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { assertTransition, importTransition } from '../domain/lifecycle.ts';
import { hasValues, mergeContent } from '../domain/merge.ts';
import { foldText } from '../domain/fold.ts';
import { formatInstant } from '../domain/time.ts';
import { validateContent } from '../domain/validate.ts';
import { contentFromStored, contentToWire, filterStored, type VirkningSelection, type WireObject } from '../domain/wire.ts';
import { type Content, type Livscykluskode, type ObjectTypeDecl, type OioObject, type Registrering } from '../model.ts';
import { buildSearch, type SearchQuery } from './search-sql.ts';
import { currentInSnapshot } from './snapshot-sql.ts';

/** An object in LoRa's read shape. */
export interface WireRead {
  id: string;
  registreringer: ({
    fratidspunkt: { tidsstempeldatotid: string; graenseindikator: boolean };
    tiltidspunkt: { tidsstempeldatotid: string };
    livscykluskode: Livscykluskode;
    brugerref: string | null;
    note: string | null;
  } & WireObject)[];
}

/** Who writes, and the registration's note. */
export interface WriteContext {
  readonly brugerref?: string | undefined;
  readonly note?: string | undefined;
}

/**
 * Which registrations to read: the one current at an instant (default now), or all overlapping a
 * window. A `snapshot` (from {@link OioStore.pin}) hides writes that were not committed when it was taken.
 */
export type RegistrationSelection =
  { readonly at?: string | undefined; readonly snapshot?: string | undefined } | { readonly from: string; readonly to: string };

/** A registration time and the database snapshot taken with it: one consistent state to page through. */
export interface Pin {
  readonly registreringstid: string;
  /** Absent when the caller named a registration time: history is immutable, no snapshot needed. */
  readonly snapshot?: string | undefined;
}

export type Action = 'opret' | 'importer' | 'ret' | 'passiver' | 'slet';

/**
 * A register's own rule over a registration about to be written (e.g. "a unit belongs to exactly
 * one organisation", "no cycle in the unit tree"). It throws the register's error to refuse the
 * write; `tx` sees the transaction's state for rules that look at other objects.
 */
export type ContentRule = (write: {
  readonly uuid: string;
  readonly action: Action;
  readonly content: Content;
  readonly tx: Queryable;
}) => Promise<void> | void;

/** Rules per object type name. */
export type ContentRules = Readonly<Record<string, readonly ContentRule[]>>;

type CurrentRow = {
  id: string;
  fra: string;
  livscykluskode: Livscykluskode;
  indhold: Record<string, unknown>;
  objekttype: string;
};

interface IndexRow {
  kind: 'a' | 't' | 'r';
  felt: string;
  tekst: string | null;
  tekst_foldet?: string;
  maal_uuid: string | null;
  maal_type: string | null;
  notetekst: string | null;
  vfra: string;
  vtil: string;
}

/** The search index rows of one registration's content. */
function indexRows(decl: ObjectTypeDecl, content: Content): IndexRow[] {
  const rows: IndexRow[] = [];
  const span = (v: { from: number; to: number }) => ({ vfra: formatInstant(v.from), vtil: formatInstant(v.to) });
  for (const group of decl.attributes) {
    for (const value of content.attributter[group.name] ?? []) {
      for (const [felt, tekst] of Object.entries(value.fields)) {
        rows.push({
          kind: 'a',
          felt,
          tekst,
          tekst_foldet: foldText(tekst),
          maal_uuid: null,
          maal_type: null,
          notetekst: value.virkning.notetekst ?? null,
          ...span(value.virkning),
        });
      }
    }
  }
  for (const state of decl.states) {
    for (const value of content.tilstande[state.name] ?? []) {
      rows.push({
        kind: 't',
        felt: state.field,
        tekst: value.value,
        maal_uuid: null,
        maal_type: null,
        notetekst: value.virkning.notetekst ?? null,
        ...span(value.virkning),
      });
    }
  }
  for (const rel of decl.relations) {
    for (const value of content.relationer[rel.name] ?? []) {
      rows.push({
        kind: 'r',
        felt: rel.name,
        tekst: value.urn ?? null,
        maal_uuid: value.uuid ?? null,
        maal_type: value.objekttype ?? null,
        notetekst: value.virkning.notetekst ?? null,
        ...span(value.virkning),
      });
    }
  }
  return rows;
}

/** The responsible organisation an event names: the object itself, or its `tilhoerer`-like relation now. */
function responsibleOf(decl: ObjectTypeDecl, uuid: string, content: Content): string | undefined {
  if (!decl.responsibleRelation) return undefined;
  if (decl.responsibleRelation === 'self') return uuid;
  const values = content.relationer[decl.responsibleRelation] ?? [];
  const now = Date.now();
  const current = values.find((v) => v.virkning.from <= now && now < v.virkning.to) ?? values[values.length - 1];
  return current?.uuid ?? current?.urn;
}

/** Relations whose UUID target is a stored object must point to an object of an allowed type. */
/**
 * The UUID targets of relations that declare allowed target types, for the write statement to
 * check against the stored objects' types in the same round trip.
 */
function targetChecks(decl: ObjectTypeDecl, content: Content): { uuid: string; rel: string; allowed: readonly string[] }[] {
  const checks: { uuid: string; rel: string; allowed: readonly string[] }[] = [];
  for (const rel of decl.relations) {
    if (!rel.targets?.length) continue;
    for (const v of content.relationer[rel.name] ?? []) if (v.uuid) checks.push({ uuid: v.uuid, rel: rel.name, allowed: rel.targets });
  }
  return checks;
}

type StoredRow = {
  uuid: string;
  fra: string;
  til: string;
  livscykluskode: Livscykluskode;
  brugerref: string | null;
  note: string | null;
  indhold: Record<string, unknown>;
};

/** The stored registrations the selection asks for, grouped per object in the asked order. */
async function fetchRegistrations(
  db: Queryable,
  decl: ObjectTypeDecl,
  uuids: readonly string[],
  reg: RegistrationSelection,
): Promise<{ uuid: string; rows: StoredRow[] }[]> {
  if (uuids.length === 0) return [];
  const windowed = 'from' in reg;
  const snapshot = !windowed ? reg.snapshot : undefined;
  const { rows } = await db.query<StoredRow>(
    `SELECT objekt_uuid::text AS uuid, to_json(fra)#>>'{}' AS fra, to_json(til)#>>'{}' AS til, livscykluskode, brugerref, note, indhold
     FROM oio_registrering
     WHERE objekt_uuid = ANY($1::uuid[]) AND objekttype = $2
       AND ${
         windowed
           ? 'fra < $4::timestamptz AND til > $3::timestamptz'
           : snapshot
             ? currentInSnapshot('oio_registrering', '$3', '$4')
             : 'fra <= COALESCE($3::timestamptz, clock_timestamp()) AND til > COALESCE($3::timestamptz, clock_timestamp())'
       }
     ORDER BY objekt_uuid, fra`,
    windowed
      ? [uuids, decl.name, reg.from, reg.to]
      : snapshot
        ? [uuids, decl.name, reg.at ?? null, snapshot]
        : [uuids, decl.name, reg.at ?? null],
  );
  const byUuid = new Map<string, StoredRow[]>();
  for (const r of rows) {
    const list = byUuid.get(r.uuid);
    if (list) list.push(r);
    else byUuid.set(r.uuid, [r]);
  }
  return uuids.flatMap((u) => {
    const found = byUuid.get(u.toLowerCase());
    return found ? [{ uuid: u.toLowerCase(), rows: found }] : [];
  });
}

/** Reads objects (unknown UUIDs left out), registrations oldest first, on the store or inside a transaction. */
async function listObjects(
  db: Queryable,
  decl: ObjectTypeDecl,
  uuids: readonly string[],
  reg: RegistrationSelection,
): Promise<OioObject[]> {
  return (await fetchRegistrations(db, decl, uuids, reg)).map(({ uuid, rows }) => ({
    uuid,
    objekttype: decl.name,
    registreringer: rows.map((r) => ({
      fra: r.fra,
      til: r.til,
      livscykluskode: r.livscykluskode,
      brugerref: r.brugerref,
      note: r.note,
      content: contentFromStored(decl, r.indhold),
    })),
  }));
}

// One round trip for the whole write: close the current registration, open the new one, write
// its search index rows and its outbox event (the same row recordEvents writes), and report
// relation targets of a type the relation does not allow (the caller then aborts the transaction).
const WRITE_SQL = `
WITH t AS (SELECT greatest(clock_timestamp(), $3::timestamptz + interval '1 microsecond') AS tid),
closed AS (
  UPDATE oio_registrering SET til = (SELECT tid FROM t), til_xid = pg_current_xact_id() WHERE id = $4::bigint RETURNING id
),
reg AS (
  INSERT INTO oio_registrering (objekt_uuid, objekttype, fra, livscykluskode, brugerref, note, indhold)
  SELECT $1::uuid, $2, t.tid, $5, $6, $7, $8::jsonb FROM t
  RETURNING id, fra
),
idx AS (
  INSERT INTO oio_soegeindeks (registrering_id, kind, felt, tekst, tekst_foldet, maal_uuid, maal_type, notetekst, virkning)
  SELECT reg.id, x.kind::"char", x.felt, x.tekst, x.tekst_foldet, x.maal_uuid, x.maal_type, x.notetekst,
         tstzrange(x.vfra::timestamptz, x.vtil::timestamptz, '[)')
  FROM reg, jsonb_to_recordset($9::jsonb)
    AS x(kind text, felt text, tekst text, tekst_foldet text, maal_uuid uuid, maal_type text, notetekst text, vfra text, vtil text)
),
event AS (
  INSERT INTO outbox (topic, action, object_uuid, responsible, payload) VALUES ($10, $11, $1::uuid, $12, $13::jsonb)
),
bad AS (
  SELECT x.rel, x.uuid::text AS uuid, o.objekttype, x.allowed
  FROM jsonb_to_recordset($14::jsonb) AS x(uuid uuid, rel text, allowed text[])
  JOIN oio_objekt o ON o.uuid = x.uuid
  WHERE NOT (o.objekttype = ANY (x.allowed))
)
SELECT to_json(reg.fra)#>>'{}' AS fra, (SELECT count(*) FROM closed) AS closed,
       (SELECT json_agg(bad) FROM bad) AS bad
FROM reg`;

/**
 * The bitemporal object store for every declared OIO type. Registrations are immutable: a write
 * closes the current registration and opens a new one, in one transaction with its outbox event.
 * Writers to one object are serialised by a row lock on the object, so no update is lost.
 */
export class OioStore {
  private readonly types = new Map<string, ObjectTypeDecl>();

  constructor(
    private readonly store: Store,
    types: readonly ObjectTypeDecl[],
    private readonly afterCommit: () => void = () => {},
    private readonly rules: ContentRules = {},
  ) {
    for (const t of types) this.types.set(t.name, t);
  }

  /** The declaration of a type; throws if it is not declared here. */
  decl(type: string): ObjectTypeDecl {
    const decl = this.types.get(type);
    if (!decl) throw new Error(`object type ${type} is not declared`);
    return decl;
  }

  /** Creates an object (Opstaaet). Returns its UUID. */
  opret(type: string, content: Content, ctx: WriteContext = {}, uuid: string = randomUUID()): Promise<string> {
    return this.inTransaction((w) => w.opret(type, content, ctx, uuid));
  }

  /** Creates an object with the given UUID, or overwrites it in full (Importeret, or Rettet when active). */
  importer(type: string, uuid: string, content: Content, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.importer(type, uuid, content, ctx));
  }

  /** Updates with LoRa's merge semantics (Rettet). */
  ret(type: string, uuid: string, update: Content, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.ret(type, uuid, update, ctx));
  }

  passiver(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.passiver(type, uuid, ctx));
  }

  slet(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.slet(type, uuid, ctx));
  }

  /**
   * Runs several writes in one transaction: all of them commit, with their events, or none does
   * (an import of a whole classification or organisation is atomic this way).
   */
  async inTransaction<T>(fn: (writer: OioWriter) => Promise<T>): Promise<T> {
    const result = await this.store.transaction((tx) => fn(new OioWriter(tx, (type) => this.decl(type), this.rules)));
    this.afterCommit();
    return result;
  }

  /** Reads one object. Throws OBJECT_NOT_FOUND, or OBJECT_DELETED when deleted at the registration time. */
  async laes(type: string, uuid: string, reg: RegistrationSelection = {}): Promise<OioObject> {
    const [obj] = await this.list(type, [uuid], reg);
    if (!obj) throw oioError('OBJECT_NOT_FOUND');
    const last = obj.registreringer[obj.registreringer.length - 1]!;
    if (!('from' in reg) && last.livscykluskode === 'Slettet') throw oioError('OBJECT_DELETED');
    return obj;
  }

  /** Reads many objects; unknown UUIDs are left out. Registrations come oldest first. */
  async list(type: string, uuids: readonly string[], reg: RegistrationSelection = {}): Promise<OioObject[]> {
    return listObjects(this.store, this.decl(type), uuids, reg);
  }

  /** {@link laes} in LoRa's read shape: OBJECT_NOT_FOUND, or OBJECT_DELETED when deleted at the registration time. */
  async laesWire(type: string, uuid: string, reg: RegistrationSelection, sel: VirkningSelection): Promise<WireRead> {
    const [obj] = await this.readWire(type, [uuid], reg, sel);
    if (!obj) throw oioError('OBJECT_NOT_FOUND');
    if (!('from' in reg) && obj.registreringer[obj.registreringer.length - 1]!.livscykluskode === 'Slettet')
      throw oioError('OBJECT_DELETED');
    return obj;
  }

  /**
   * Reads objects straight into LoRa's read shape, keeping the values the virkning selection asks
   * for, without decoding and re-encoding them: the path of every GET.
   */
  async readWire(type: string, uuids: readonly string[], reg: RegistrationSelection, sel: VirkningSelection): Promise<WireRead[]> {
    const decl = this.decl(type);
    return (await fetchRegistrations(this.store, decl, uuids, reg)).map(({ uuid, rows }) => ({
      id: uuid,
      registreringer: rows.map((r) => ({
        fratidspunkt: { tidsstempeldatotid: r.fra, graenseindikator: true },
        tiltidspunkt: { tidsstempeldatotid: r.til },
        livscykluskode: r.livscykluskode,
        brugerref: r.brugerref,
        note: r.note,
        ...filterStored(decl, r.indhold, sel),
      })),
    }));
  }

  /**
   * After a bulk import: refresh the planner's statistics of the object tables, which also folds
   * the trigram indexes' pending lists into the indexes (until then every text search scans them).
   */
  async analyze(): Promise<void> {
    await this.store.query('ANALYZE oio_objekt, oio_registrering, oio_soegeindeks');
  }

  /** The registration time now, as the database prints it. */
  async now(): Promise<string> {
    const { rows } = await this.store.query<{ now: string }>(`SELECT to_json(clock_timestamp())#>>'{}' AS now`);
    return rows[0]!.now;
  }

  /**
   * Pins a consistent state to page through: the registration time now, and the database
   * snapshot, which leaves out writes still in flight (their registration time may lie before
   * ours, but they were not committed when the first page was read).
   */
  async pin(): Promise<Pin> {
    const { rows } = await this.store.query<{ r: string; s: string }>(
      `SELECT to_json(clock_timestamp())#>>'{}' AS r, pg_current_snapshot()::text AS s`,
    );
    return { registreringstid: rows[0]!.r, snapshot: rows[0]!.s };
  }

  /** Searches by example; returns at most `limit` UUIDs in UUID order after `after`. */
  async soeg(type: string, query: SearchQuery): Promise<string[]> {
    const decl = this.decl(type);
    const { sql, params } = buildSearch(decl.name, query);
    const { rows } = await this.store.query<{ uuid: string }>(sql, params);
    return rows.map((r) => String(r.uuid));
  }
}

/** Writes inside one transaction; see {@link OioStore.inTransaction}. */
export class OioWriter {
  constructor(
    /** The transaction itself, for a register's own statements beside the object writes. */
    readonly tx: Queryable,
    private readonly decl: (type: string) => ObjectTypeDecl,
    private readonly rules: ContentRules = {},
  ) {}

  /** Reads current objects inside the transaction (sees its own writes). */
  list(type: string, uuids: readonly string[]): Promise<OioObject[]> {
    return listObjects(this.tx, this.decl(type), uuids, {});
  }

  /** Holds a named lock until the transaction ends: two imports of one thing take turns. */
  async lock(name: string): Promise<void> {
    await this.tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
  }

  /** Creates an object (Opstaaet). Returns its UUID. */
  async opret(type: string, content: Content, ctx: WriteContext = {}, uuid: string = randomUUID()): Promise<string> {
    const decl = this.decl(type);
    validateContent(decl, content);
    if (!hasValues(content)) throw oioError('EMPTY_REGISTRATION');
    await this.write(decl, uuid, 'opret', ctx, () => ({ livscykluskode: 'Opstaaet', content }));
    return uuid;
  }

  /** Creates an object with the given UUID, or overwrites it in full (Importeret, or Rettet when active). */
  async importer(type: string, uuid: string, content: Content, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    validateContent(decl, content);
    if (!hasValues(content)) throw oioError('EMPTY_REGISTRATION');
    await this.write(decl, uuid, 'importer', ctx, (current) => {
      const next = importTransition(current?.livscykluskode);
      if (current) assertTransition(current.livscykluskode, next);
      return { livscykluskode: next, content };
    });
  }

  /** Updates with LoRa's merge semantics (Rettet). */
  async ret(type: string, uuid: string, update: Content, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    validateContent(decl, update, { partial: true });
    await this.write(decl, uuid, 'ret', ctx, (current) => {
      assertTransition(current!.livscykluskode, 'Rettet');
      const merged = mergeContent(decl, current!.content, update);
      validateContent(decl, merged);
      return { livscykluskode: 'Rettet', content: merged };
    });
  }

  async passiver(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    await this.write(decl, uuid, 'passiver', ctx, (current) => {
      assertTransition(current!.livscykluskode, 'Passiveret');
      return { livscykluskode: 'Passiveret', content: current!.content };
    });
  }

  async slet(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    await this.write(decl, uuid, 'slet', ctx, (current) => {
      assertTransition(current!.livscykluskode, 'Slettet');
      return { livscykluskode: 'Slettet', content: current!.content };
    });
  }

  /**
   * Locks and reads the object's current registration in one statement. Writers to one object
   * all lock this row, so they take turns. A writer that waited for another finds the row it
   * waited for closed (no longer current) and reads again: the new current registration.
   */
  private async lockCurrent(uuid: string): Promise<CurrentRow | undefined> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const { rows } = await this.tx.query<CurrentRow>(
        `SELECT id, to_json(fra)#>>'{}' AS fra, livscykluskode, indhold, objekttype FROM oio_registrering
         WHERE objekt_uuid = $1::uuid AND til = 'infinity' FOR UPDATE`,
        [uuid],
      );
      if (rows[0]) return rows[0];
      const exists = await this.tx.query('SELECT 1 FROM oio_objekt WHERE uuid = $1::uuid', [uuid]);
      if (exists.rows.length === 0) return undefined;
    }
    throw new AppError(PlatformErrors.WRITE_CONFLICT);
  }

  private async write(
    decl: ObjectTypeDecl,
    uuid: string,
    action: Action,
    ctx: WriteContext,
    next: (current: { livscykluskode: Livscykluskode; content: Content } | undefined) => {
      livscykluskode: Livscykluskode;
      content: Content;
    },
  ): Promise<void> {
    const creating = action === 'opret' || action === 'importer';
    // A create claims the UUID first; when another writer has it (even uncommitted), the insert
    // waits for that writer and then does nothing, and the object's registration is locked below.
    const inserted = creating
      ? (
          await this.tx.query('INSERT INTO oio_objekt (uuid, objekttype) VALUES ($1::uuid, $2) ON CONFLICT (uuid) DO NOTHING', [
            uuid,
            decl.name,
          ])
        ).rowCount === 1
      : false;
    let current: CurrentRow | undefined;
    if (!inserted) {
      current = await this.lockCurrent(uuid);
      if (!current) throw oioError('OBJECT_NOT_FOUND');
      if (current.objekttype !== decl.name) {
        throw creating ? oioError('OBJECT_TYPE_MISMATCH') : oioError('OBJECT_NOT_FOUND');
      }
      if (action === 'opret') throw oioError('OBJECT_TYPE_MISMATCH', 'An object with this UUID exists already');
    }
    const currentContent = current
      ? { livscykluskode: current.livscykluskode, content: contentFromStored(decl, current.indhold) }
      : undefined;
    const result = next(currentContent);
    if (result.livscykluskode !== 'Slettet' && result.livscykluskode !== 'Passiveret') {
      for (const rule of this.rules[decl.name] ?? []) await rule({ uuid, action, content: result.content, tx: this.tx });
    }
    const { rows } = await this.tx.query<{ bad: { rel: string; uuid: string; objekttype: string; allowed: string[] }[] | null }>(
      WRITE_SQL,
      [
        uuid,
        decl.name,
        current?.fra ?? null,
        current?.id ?? null,
        result.livscykluskode,
        ctx.brugerref ?? null,
        ctx.note ?? null,
        JSON.stringify(contentToWire(decl, result.content)),
        JSON.stringify(indexRows(decl, result.content)),
        `${decl.service}.${decl.name}`,
        action,
        responsibleOf(decl, uuid, result.content) ?? null,
        JSON.stringify({ livscykluskode: result.livscykluskode }),
        JSON.stringify(targetChecks(decl, result.content)),
      ],
    );
    const bad = rows[0]?.bad?.[0];
    if (bad) {
      throw oioError(
        'RELATION_TARGET_TYPE_NOT_ALLOWED',
        `${bad.rel} cannot point to ${bad.uuid}, which is a ${bad.objekttype} (allowed: ${bad.allowed.join(', ')})`,
        { field: bad.rel },
      );
    }
  }
}
