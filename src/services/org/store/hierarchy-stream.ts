import { Readable } from 'node:stream';
import type { Queryable } from '../../../platform/store/store.ts';
import { formatInstant, parseInstant } from '../../../oio/domain/time.ts';
import { isUuid } from '../../../oio/domain/validate.ts';
import { oioError } from '../../../oio/errors.ts';
import type { Livscykluskode } from '../../../oio/model.ts';
import { currentInSnapshot } from '../../../oio/store/snapshot-sql.ts';

/**
 * Everything of one organisation (fremsøg objekthierarki) as of (virkningstid, registreringstid),
 * read page by page from one pinned state: the registration time and the database snapshot are
 * taken once, and every page, however late, reads what that snapshot saw.
 *
 * Members, in (objekttype, uuid) order:
 * - the organisation itself;
 * - units, users, IT systems, interest groups, persons and addresses whose `tilhoerer` points to it
 *   at the effective instant, and functions whose `tilknyttedeorganisationer` does;
 * - addresses reached through `adresser`, and persons reached through `tilknyttedepersoner` or
 *   `ansatte`, of any member above (at the effective instant).
 * Passivated and deleted objects are left out, as in a search.
 */

/** The member types, in the order of the keyset (the type name's order). */
export const HIERARCHY_TYPES = [
  'adresse',
  'bruger',
  'interessefaellesskab',
  'itsystem',
  'organisation',
  'organisationenhed',
  'organisationfunktion',
  'person',
] as const;
export type HierarchyType = (typeof HIERARCHY_TYPES)[number];

/** The types whose own relation makes them members, and that relation. */
const OWN_RELATION: Partial<Record<HierarchyType, string>> = {
  adresse: 'tilhoerer',
  bruger: 'tilhoerer',
  interessefaellesskab: 'tilhoerer',
  itsystem: 'tilhoerer',
  organisationenhed: 'tilhoerer',
  organisationfunktion: 'tilknyttedeorganisationer',
  person: 'tilhoerer',
};

/** Types reached from members, and the members' relations that reach them. */
const REACHED_BY: Partial<Record<HierarchyType, readonly string[]>> = {
  adresse: ['adresser'],
  person: ['tilknyttedepersoner', 'ansatte'],
};

/** The member types that reach others (everything with an own relation, and the organisation). */
const REACHING_TYPES = ['bruger', 'interessefaellesskab', 'itsystem', 'organisation', 'organisationenhed', 'organisationfunktion'];

/** One consistent state of one organisation to read. */
export interface HierarchyPin {
  readonly organisation: string;
  /** Registration time (as the database prints it, or as the caller gave it). */
  readonly registreringstid: string;
  /** The database snapshot taken with it; absent when the caller named the registration time. */
  readonly snapshot?: string | undefined;
  /** The effective instant, ms. */
  readonly virkningstid: number;
}

/** The last object returned: the keyset position. */
export interface HierarchyKey {
  readonly objekttype: HierarchyType;
  readonly uuid: string;
}

/** One member: its type and UUID, then its registration in LoRa's shape with the values holding at the instant. */
export type HierarchyObject = { objekttype: string; uuid: string } & Record<string, unknown>;

interface Row {
  uuid: string;
  /** Whether the scanned registration is a member; the other columns are null when not. */
  member: boolean;
  fra: string | null;
  til: string | null;
  livscykluskode: Livscykluskode | null;
  brugerref: string | null;
  note: string | null;
  indhold: Record<string, Record<string, unknown[]>> | null;
  [k: string]: unknown;
}

/**
 * The statement that scans the next `scan` current registrations of one type after a UUID, in
 * UUID order, and tells for each whether it is a member (with its content when it is).
 *
 * The scan is a plain range of the (objekttype, objekt_uuid) index with a LIMIT, materialised
 * before the membership test, so every statement does bounded work whatever the planner thinks of
 * the membership test's selectivity (asked as one query, it may hash every member of the
 * organisation and sort them, on every page).
 */
function scanSql(type: HierarchyType, pin: HierarchyPin, after: string | undefined, scan: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const org = `${p(pin.organisation)}::uuid`;
  // Pushed when first used: the organisation itself is found without it, and an unused parameter has no type.
  let tRef: string | undefined;
  const T = () => (tRef ??= `${p(formatInstant(pin.virkningstid))}::timestamptz`);
  const R = p(pin.registreringstid);
  const S = pin.snapshot !== undefined ? p(pin.snapshot) : undefined;
  const current = (r: string) =>
    `${S !== undefined ? currentInSnapshot(r, R, S) : `${r}.fra <= ${R}::timestamptz AND ${r}.til > ${R}::timestamptz`}
     AND ${r}.livscykluskode NOT IN ('Passiveret', 'Slettet')`;
  const ownMember = (r: string, felt: string) =>
    `EXISTS (SELECT 1 FROM oio_soegeindeks m WHERE m.registrering_id = ${r}.id AND m.kind = 'r' AND m.felt = ${felt}
       AND m.maal_uuid = ${org} AND m.virkning @> ${T()})`;

  const membership: string[] = [];
  if (type === 'organisation') membership.push(`r.objekt_uuid = ${org}`);
  const own = OWN_RELATION[type];
  if (own) membership.push(ownMember('r', p(own)));
  const reach = REACHED_BY[type];
  if (reach) {
    // Reached from a member: a current registration of a member type that is itself a member
    // (the organisation, or by its own relation) points to this object at the instant.
    membership.push(`EXISTS (
      SELECT 1 FROM oio_soegeindeks v JOIN oio_registrering o ON o.id = v.registrering_id
      WHERE v.maal_uuid = r.objekt_uuid AND v.kind = 'r' AND v.felt = ANY(${p(reach)}::text[]) AND v.virkning @> ${T()}
        AND o.objekttype = ANY(${p(REACHING_TYPES)}::text[]) AND ${current('o')}
        AND (o.objekt_uuid = ${org} OR ${ownMember('o', `CASE WHEN o.objekttype = 'organisationfunktion' THEN 'tilknyttedeorganisationer' ELSE 'tilhoerer' END`)}))`);
  }
  // A closing the snapshot could not see did not happen for this reader.
  const til =
    S !== undefined
      ? `CASE WHEN x.til_xid IS NOT NULL AND NOT pg_visible_in_snapshot(x.til_xid, ${S}::pg_snapshot) THEN 'infinity' ELSE to_json(x.til)#>>'{}' END`
      : `to_json(x.til)#>>'{}'`;
  const sql = `WITH r AS MATERIALIZED (
      SELECT r.id, r.objekt_uuid FROM oio_registrering r
      WHERE r.objekttype = ${p(type)} ${after !== undefined ? `AND r.objekt_uuid > ${p(after)}::uuid` : ''} AND ${current('r')}
      ORDER BY r.objekt_uuid
      LIMIT ${p(scan)}
    ),
    m AS MATERIALIZED (
      SELECT r.id, r.objekt_uuid, (${membership.join(' OR ')}) AS member FROM r
    )
    SELECT m.objekt_uuid::text AS uuid, m.member, to_json(x.fra)#>>'{}' AS fra, ${til} AS til, x.livscykluskode, x.brugerref, x.note, x.indhold
    FROM m LEFT JOIN oio_registrering x ON m.member AND x.id = m.id
    ORDER BY m.objekt_uuid`;
  return { sql, params };
}

/** A virkning bound as stored (`formatInstant`'s output) in ms. */
function instant(raw: unknown): number {
  if (raw === 'infinity') return Infinity;
  if (raw === '-infinity') return -Infinity;
  return typeof raw === 'string' ? Date.parse(raw) : NaN;
}

/**
 * The stored registration (LoRa's shape, as `contentToWire` wrote it) with only the values whose
 * virkning holds at `t`; a group, and a part, with no value left is left out, as a read does.
 * Filtering the stored JSON directly saves parsing and rebuilding every value.
 */
function holdingAt(indhold: Record<string, Record<string, unknown[]>>, t: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of ['attributter', 'tilstande', 'relationer'] as const) {
    const groups = indhold[part];
    if (!groups) continue;
    const kept: Record<string, unknown[]> = {};
    for (const [name, values] of Object.entries(groups)) {
      const holding = values.filter((v) => {
        const virkning = (v as { virkning?: { from?: unknown; to?: unknown } }).virkning;
        return instant(virkning?.from) <= t && t < instant(virkning?.to);
      });
      if (holding.length) kept[name] = holding;
    }
    if (Object.keys(kept).length) out[part] = kept;
  }
  return out;
}

function toObject(type: HierarchyType, row: Row, virkningstid: number): HierarchyObject {
  return {
    objekttype: type,
    uuid: row.uuid,
    fratidspunkt: { tidsstempeldatotid: row.fra, graenseindikator: true },
    tiltidspunkt: { tidsstempeldatotid: row.til },
    livscykluskode: row.livscykluskode,
    brugerref: row.brugerref,
    note: row.note,
    ...holdingAt(row.indhold ?? {}, virkningstid),
  };
}

/** The types still to read after a key, each with the UUID to start after. */
function remaining(after: HierarchyKey | undefined): [HierarchyType, string | undefined][] {
  const start = after ? HIERARCHY_TYPES.indexOf(after.objekttype) : 0;
  return HIERARCHY_TYPES.slice(start).map((t, i) => [t, i === 0 && after ? after.uuid : undefined]);
}

/**
 * The most registrations one statement scans: where the organisation is sparse among its type (many
 * organisations in one database) the scan grows to this. It also bounds the members one chunk can
 * hold when a dense stretch follows a sparse one.
 */
const MAX_SCAN = 16_000;

/**
 * Every member after `after`, in (objekttype, uuid) order, as the members found by each bounded
 * scan (`chunk` registrations at first; then sized for about `chunk` members, from `chunk` to
 * MAX_SCAN registrations).
 * Read one statement at a time as the consumer pulls: a consumer that stops pulling stops the
 * reading, and only one chunk is ever held in memory.
 */
/** Called with each chunk's persons before they are handed out: every read about a person is audited. */
export type PersonsRead = (persons: readonly HierarchyObject[]) => Promise<void>;

export async function* hierarchyChunks(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  chunk = 1000,
  onPersons?: PersonsRead,
): AsyncGenerator<HierarchyObject[]> {
  for (const [type, first] of remaining(after)) {
    let afterUuid = first;
    let scan = chunk;
    for (;;) {
      const { sql, params } = scanSql(type, pin, afterUuid, scan);
      const { rows } = await db.query<Row>(sql, params);
      const members = rows.filter((r) => r.member).map((r) => toObject(type, r, pin.virkningstid));
      if (type === 'person' && members.length && onPersons) await onPersons(members);
      if (members.length) yield members;
      if (rows.length < scan) break;
      afterUuid = rows[rows.length - 1]!.uuid;
      // Aim the next scan at about `chunk` members, from the share of members in this one.
      scan = Math.max(chunk, Math.min(MAX_SCAN, members.length ? Math.round((scan * chunk) / members.length) : scan * 4));
    }
  }
}

/** One page of at most `limit` members after `after`, and whether more follow. */
export async function readHierarchyPage(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  limit: number,
  onPersons?: PersonsRead,
): Promise<{ objekter: HierarchyObject[]; more: boolean }> {
  const out: HierarchyObject[] = [];
  // Ending the loop early returns the generator: nothing more is read.
  for await (const members of hierarchyChunks(db, pin, after, limit + 1, onPersons)) {
    out.push(...members);
    if (out.length > limit) break;
  }
  return { objekter: out.slice(0, limit), more: out.length > limit };
}

/** The members as NDJSON (one object per line), read chunk by chunk as the consumer pulls. */
export function hierarchyNdjson(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  chunk = 1000,
  onPersons?: PersonsRead,
): Readable {
  async function* lines() {
    for await (const members of hierarchyChunks(db, pin, after, chunk, onPersons)) {
      yield members.map((o) => JSON.stringify(o)).join('\n') + '\n';
    }
  }
  return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
}

interface CursorState {
  /** organisation */
  o: string;
  /** registration time */
  r: string;
  /** snapshot */
  s?: string;
  /** effective instant, ms */
  t: number;
  /** last key: [objekttype, uuid] */
  k: [string, string];
}

/** A cursor holding the pin and the last key. */
export function encodeHierarchyCursor(pin: HierarchyPin, last: HierarchyKey): string {
  const state: CursorState = {
    o: pin.organisation,
    r: pin.registreringstid,
    ...(pin.snapshot !== undefined ? { s: pin.snapshot } : {}),
    t: pin.virkningstid,
    k: [last.objekttype, last.uuid],
  };
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** Reads a cursor of this organisation's hierarchy; anything else is INVALID_CURSOR. */
export function decodeHierarchyCursor(raw: string, organisation: string): { pin: HierarchyPin; after: HierarchyKey } {
  let state: CursorState;
  try {
    state = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as CursorState;
  } catch {
    throw oioError('INVALID_CURSOR');
  }
  const ok =
    state !== null &&
    typeof state === 'object' &&
    typeof state.o === 'string' &&
    typeof state.r === 'string' &&
    typeof state.t === 'number' &&
    Number.isFinite(state.t) &&
    Array.isArray(state.k) &&
    state.k.length === 2 &&
    (HIERARCHY_TYPES as readonly unknown[]).includes(state.k[0]) &&
    typeof state.k[1] === 'string' &&
    isUuid(state.k[1]) &&
    (state.s === undefined || (typeof state.s === 'string' && /^\d+:\d+:(\d+(,\d+)*)?$/.test(state.s)));
  if (!ok) throw oioError('INVALID_CURSOR');
  try {
    parseInstant(state.r);
  } catch {
    throw oioError('INVALID_CURSOR');
  }
  if (state.o !== organisation) throw oioError('INVALID_CURSOR', 'The cursor belongs to the hierarchy of another organisation');
  return {
    pin: { organisation, registreringstid: state.r, ...(state.s !== undefined ? { snapshot: state.s } : {}), virkningstid: state.t },
    after: { objekttype: state.k[0] as HierarchyType, uuid: state.k[1].toLowerCase() },
  };
}
