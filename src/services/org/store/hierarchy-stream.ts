import { Readable } from 'node:stream';
import type { RawRows } from '../../../platform/store/raw-rows.ts';
import { queryRaw, type Queryable } from '../../../platform/store/store.ts';
import { formatInstant, parseInstant } from '../../../oio/domain/time.ts';
import { isUuid } from '../../../oio/domain/validate.ts';
import { oioError } from '../../../oio/errors.ts';
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

/** A person returned, for the audit log: its UUID and the CPR number holding at the instant. */
export interface PersonRead {
  readonly uuid: string;
  readonly cpr: string | undefined;
}

/** What one bounded scan found: its members, their persons, and the members as text or NDJSON bytes. */
export interface HierarchyChunk {
  readonly objekttype: HierarchyType;
  /** The UUID of each member, in order. */
  readonly uuids: string[];
  readonly persons: PersonRead[];
  /** Member i as one JSON object: `{"objekttype", "uuid", …registration}` with the values holding at the instant. */
  line(i: number): string;
  /** Every member as NDJSON: one object per line, each line ending in a newline. */
  ndjson(): Buffer;
}

/** The columns of a scan: text, and the line as bytes (bytea). */
const enum Col {
  Uuid = 0,
  /** Null when the registration is not a member; `w` when its whole stored text holds at the instant, `p` when not. */
  Kind = 1,
  /** On persons: the CPR number holding at the instant. */
  Cpr = 2,
  /** `w`: the member's whole line; `p`: the line's head (its own fields), the parts to follow (bytea: UTF-8). */
  Line = 3,
  /** `p`: the stored registration as JSON text, to be filtered. */
  Indhold = 4,
}
const WIDTH = 5;

/**
 * The statement that scans the next `scan` current registrations of one type after a UUID, in
 * UUID order, and tells for each whether it is a member (with its registration when it is).
 *
 * The scan is a plain range of the (objekttype, objekt_uuid) index with a LIMIT; the membership
 * test is computed for each scanned row (a lateral subquery kept apart with OFFSET 0, so it runs
 * once a row and never becomes a filter), so every statement does bounded work whatever the
 * planner thinks of the test's selectivity (asked as one query, it may hash every member of the
 * organisation and sort them, on every page). The registration comes back as text (the stored
 * text of current registrations, `indhold_tekst`), with a flag telling whether all its values hold
 * at the instant (`faelles_virkning`): then it is the answer as stored, and nothing needs parsing.
 */
function scanSql(
  type: HierarchyType,
  pin: HierarchyPin,
  range: ScanRange,
  scan: number,
  from: HierarchyFrom,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const org = `${p(pin.organisation)}::uuid`;
  const orgText = `${org}::text`;
  // Pushed when first used: an unused parameter has no type.
  let tRef: string | undefined;
  const T = () => (tRef ??= `${p(formatInstant(pin.virkningstid))}::timestamptz`);
  const R = p(pin.registreringstid);
  const S = pin.snapshot !== undefined ? p(pin.snapshot) : undefined;
  const current = (r: string) =>
    `${S !== undefined ? currentInSnapshot(r, R, S) : `${r}.fra <= ${R}::timestamptz AND ${r}.til > ${R}::timestamptz`}
     AND ${r}.livscykluskode NOT IN ('Passiveret', 'Slettet')`;
  // Read from the registration itself (already at hand), not the search index: one row less to
  // fetch per object. The bounds are stored as `formatInstant` writes them, which casts back exactly.
  // When every value of the registration holds at the instant (`faelles_virkning`), a containment
  // test of the relation tells it without reading each value's virkning.
  let containsOrg: string | undefined;
  const ownMember = (r: string, felt: string) =>
    `(CASE WHEN ${r}.faelles_virkning @> ${T()}
       THEN coalesce(${r}.indhold->'relationer'->${felt} @> ${(containsOrg ??= `${p(JSON.stringify([{ uuid: pin.organisation }]))}::jsonb`)}, false)
       ELSE EXISTS (SELECT 1 FROM jsonb_array_elements(${r}.indhold->'relationer'->${felt}) AS hv(val)
         WHERE hv.val->>'uuid' = ${orgText} AND (hv.val->'virkning'->>'from')::timestamptz <= ${T()}
           AND (hv.val->'virkning'->>'to')::timestamptz > ${T()}) END)`;

  // The registrations that may be members, found through the search index by the organisation
  // (where it is few among many): those whose own relation names it at the instant, the
  // organisation itself, and (persons, addresses) those a member points to. The membership test
  // below still decides, so both ways of reading give the same members.
  const candidatesSql = () => {
    const named = (felter: string) =>
      `SELECT v.registrering_id AS id FROM oio_soegeindeks v
       WHERE v.maal_uuid = ${org} AND v.kind = 'r' AND v.felt = ANY(${felter}::text[]) AND v.virkning @> ${T()}`;
    const itself = `SELECT o.id FROM oio_registrering o WHERE o.objekt_uuid = ${org} AND o.objekttype = 'organisation'`;
    const parts: string[] = [];
    if (type === 'organisation') parts.push(itself);
    if (own) parts.push(named(p([own])));
    if (reach) {
      parts.push(`SELECT c.id FROM (${named(p([...new Set(Object.values(OWN_RELATION))]))} UNION ${itself}) m
        JOIN oio_registrering o ON o.id = m.id AND o.objekttype = ANY(${p(REACHING_TYPES)}::text[]) AND ${current('o')}
        JOIN oio_soegeindeks t ON t.registrering_id = o.id AND t.kind = 'r' AND t.felt = ANY(${p(reach)}::text[]) AND t.virkning @> ${T()}
        JOIN oio_registrering c ON c.objekt_uuid = t.maal_uuid AND c.objekttype = ${p(type)}`);
    }
    return parts.join(' UNION ');
  };

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
        AND (o.objekt_uuid = ${org} OR ${ownMember('o', `(CASE WHEN o.objekttype = 'organisationfunktion' THEN 'tilknyttedeorganisationer' ELSE 'tilhoerer' END)`)}))`);
  }
  // A closing the snapshot could not see did not happen for this reader.
  const til =
    S !== undefined
      ? `CASE WHEN r.til_xid IS NOT NULL AND NOT pg_visible_in_snapshot(r.til_xid, ${S}::pg_snapshot) THEN 'infinity' ELSE r.til END`
      : `r.til`;
  const cpr =
    type === 'person'
      ? `CASE WHEN m.member THEN (SELECT c.tekst FROM oio_soegeindeks c WHERE c.registrering_id = r.id AND c.kind = 'a'
           AND c.felt = 'cpr_nummer' AND c.virkning @> ${T()} LIMIT 1) END`
      : 'NULL::text';
  // The line's head: JSON text of the registration's own fields (to_json escapes as JSON.stringify
  // does). A whole member's line is the head and the stored text after its opening brace, joined by
  // the database as bytes (textsend; cutting text is slow, it counts characters), so the server
  // hands them on as they come.
  const head = `'{"objekttype":"${type}","uuid":"' || r.objekt_uuid::text || '","fratidspunkt":{"tidsstempeldatotid":' || to_json(r.fra)::text
      || ',"graenseindikator":true},"tiltidspunkt":{"tidsstempeldatotid":' || to_json(${til})::text
      || '},"livscykluskode":' || to_json(r.livscykluskode)::text || ',"brugerref":' || coalesce(to_json(r.brugerref)::text, 'null')
      || ',"note":' || coalesce(to_json(r.note)::text, 'null')`;
  const sql = `SELECT uuid, kind, cpr,
      CASE kind WHEN 'w' THEN CASE WHEN tekst = '{}' THEN textsend(head || '}') ELSE textsend(head || ',') || substring(textsend(tekst) FROM 2) END
        WHEN 'p' THEN textsend(head) END AS line,
      CASE kind WHEN 'p' THEN tekst END AS indhold
    FROM (
      SELECT r.objekt_uuid::text AS uuid,
        CASE WHEN m.member THEN CASE WHEN coalesce(r.faelles_virkning @> ${T()}, false) THEN 'w' ELSE 'p' END END AS kind,
        ${cpr} AS cpr, CASE WHEN m.member THEN ${head} END AS head,
        CASE WHEN m.member THEN coalesce(r.indhold_tekst, r.indhold::text) END AS tekst
      FROM ${from === 'index' ? `(${candidatesSql()}) cand JOIN oio_registrering r ON r.id = cand.id` : 'oio_registrering r'}
        CROSS JOIN LATERAL (SELECT (${membership.join(' OR ')}) AS member OFFSET 0) m
      WHERE r.objekttype = ${p(type)} ${bounds(range, p)} AND ${current('r')}
      ORDER BY r.objekt_uuid
      LIMIT ${p(scan)}) s`;
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

/** A partial member's line: its head, then only the values holding at the instant. */
function partialLine(head: string, indhold: string, virkningstid: number): string {
  const parts = JSON.stringify(holdingAt(JSON.parse(indhold) as Record<string, Record<string, unknown[]>>, virkningstid));
  // `parts` is a JSON object: its members follow the head's.
  return parts === '{}' ? `${head}}` : `${head},${parts.slice(1)}`;
}

/** The members of one scan (its rows whose kind is set). */
function chunkOf(type: HierarchyType, rows: RawRows, virkningstid: number): HierarchyChunk | undefined {
  const members: number[] = [];
  for (let i = 0; i < rows.count; i++) if (!rows.isNull(i, Col.Kind)) members.push(i);
  if (!members.length) return undefined;
  const partial = (i: number) => rows.bytes(i, Col.Kind)![0] === 0x70; // 'p'
  const line = (i: number) =>
    partial(i) ? partialLine(rows.text(i, Col.Line)!, rows.text(i, Col.Indhold)!, virkningstid) : rows.text(i, Col.Line)!;
  return {
    objekttype: type,
    uuids: members.map((i) => rows.text(i, Col.Uuid)!),
    persons: type === 'person' ? members.map((i) => ({ uuid: rows.text(i, Col.Uuid)!, cpr: rows.text(i, Col.Cpr) })) : [],
    line: (k) => line(members[k]!),
    ndjson() {
      // Whole members' bytes are copied as the database sent them; only partial ones become text.
      const partials = new Map<number, Buffer>();
      let size = 0;
      for (const i of members) {
        if (partial(i)) {
          const b = Buffer.from(line(i), 'utf8');
          partials.set(i, b);
          size += b.length + 1;
        } else size += rows.byteLength(i, Col.Line) + 1;
      }
      const out = Buffer.allocUnsafe(size);
      let at = 0;
      for (const i of members) {
        const b = partials.get(i);
        at += b ? b.copy(out, at) : rows.copy(i, Col.Line, out, at);
        out[at++] = 0x0a;
      }
      return out;
    },
  };
}

/** Where a scan starts and ends within its type, in UUID order: each bound is optional. */
interface ScanRange {
  /** Start after this UUID … */
  readonly after?: string | undefined;
  /** … or at this one. */
  readonly from?: string | undefined;
  /** End before this UUID. */
  readonly below?: string | undefined;
}

function bounds(range: ScanRange, p: (v: unknown) => string): string {
  return [
    range.after !== undefined ? `AND r.objekt_uuid > ${p(range.after)}::uuid` : '',
    range.from !== undefined ? `AND r.objekt_uuid >= ${p(range.from)}::uuid` : '',
    range.below !== undefined ? `AND r.objekt_uuid < ${p(range.below)}::uuid` : '',
  ].join(' ');
}

/** One stretch of the keyset: a type, and a range of its UUIDs. */
interface Segment {
  readonly type: HierarchyType;
  readonly range: ScanRange;
}

/**
 * The keyset after a key cut into segments: each type, and each type into `parts` ranges of the
 * UUID space (by leading hex digits; UUIDs are spread evenly over it), which can be read at once
 * and handed out in order.
 */
function segments(after: HierarchyKey | undefined, parts: number): Segment[] {
  const start = after ? HIERARCHY_TYPES.indexOf(after.objekttype) : 0;
  const edge = (i: number) =>
    `${Math.floor((i * 0x10000) / parts)
      .toString(16)
      .padStart(4, '0')}0000-0000-0000-0000-000000000000`;
  const out: Segment[] = [];
  for (const type of HIERARCHY_TYPES.slice(start)) {
    for (let i = 0; i < parts; i++) {
      const below = i + 1 < parts ? edge(i + 1) : undefined;
      const first = type === after?.objekttype;
      // Ranges wholly before the key are read already.
      if (first && below !== undefined && after!.uuid >= below) continue;
      const lower = i > 0 ? edge(i) : undefined;
      const range = first && (lower === undefined || after!.uuid >= lower) ? { after: after!.uuid, below } : { from: lower, below };
      out.push({ type, range });
    }
  }
  return out;
}

/**
 * The most registrations one statement scans: where the organisation is sparse among its type (many
 * organisations in one database) the scan grows to this. It also bounds the members one chunk can
 * hold when a dense stretch follows a sparse one.
 */
const MAX_SCAN = 16_000;

/** Called with each chunk's persons before they are handed out: every read about a person is audited. */
export type PersonsRead = (persons: readonly PersonRead[]) => Promise<void>;

/**
 * The members of one segment, one bounded scan at a time (`chunk` registrations at first; then
 * sized for about `chunk` members, from `chunk` to MAX_SCAN registrations).
 */
async function* segmentChunks(
  db: Queryable,
  pin: HierarchyPin,
  segment: Segment,
  size: number,
  from: HierarchyFrom,
): AsyncGenerator<HierarchyChunk> {
  const { type } = segment;
  let range = segment.range;
  let scan = size;
  for (;;) {
    const { sql, params } = scanSql(type, pin, range, scan, from);
    const rows = await queryRaw(db, sql, params, WIDTH);
    const chunk = chunkOf(type, rows, pin.virkningstid);
    if (chunk) yield chunk;
    if (rows.count < scan) return;
    range = { after: rows.text(rows.count - 1, Col.Uuid)!, below: range.below };
    // Aim the next scan at about `chunk` members, from the share of members in this one.
    const found = chunk?.uuids.length ?? 0;
    scan = Math.max(size, Math.min(MAX_SCAN, found ? Math.round((scan * size) / found) : scan * 4));
  }
}

/**
 * Chunks whose persons are audited as soon as the chunk is read (ahead of the consumer), so the
 * audit's insert overlaps the reading and writing of other chunks. The audit is waited for
 * before the chunk is handed out all the same.
 */
async function* auditedAhead(
  chunks: AsyncGenerator<HierarchyChunk>,
  onPersons: PersonsRead,
): AsyncGenerator<HierarchyChunk & { audited?: Promise<void> }> {
  for await (const chunk of chunks) {
    if (!chunk.persons.length) {
      yield chunk;
      continue;
    }
    const audited = onPersons(chunk.persons);
    // Awaited by the consumer; until then a failure must not count as unhandled.
    audited.catch(() => {});
    yield { ...chunk, audited };
  }
}

/** An async iterator kept `depth` results ahead of its consumer. */
class ReadAhead<T> {
  private readonly queue: Promise<IteratorResult<T>>[] = [];
  private ended = false;

  constructor(
    private readonly source: AsyncGenerator<T>,
    private readonly depth: number,
  ) {
    this.fill();
  }

  private fill(): void {
    while (!this.ended && this.queue.length < this.depth) {
      const next = this.source.next();
      next.then(
        (r) => void (r.done && (this.ended = true)),
        () => void (this.ended = true),
      );
      this.queue.push(next);
    }
  }

  async next(): Promise<IteratorResult<T>> {
    const result = await (this.queue.shift() ?? this.source.next());
    this.fill();
    return result;
  }

  /** Stops reading ahead; what is in flight is waited for and dropped. */
  async close(): Promise<void> {
    this.ended = true;
    await Promise.allSettled(this.queue.splice(0));
    await this.source.return(undefined);
  }
}

/**
 * Where a scan finds its registrations: every current registration of the type, in UUID order,
 * each tested (`scan`: the organisation is most of the database); or the registrations the search
 * index names for the organisation, tested the same way (`index`: it is few among many).
 */
export type HierarchyFrom = 'scan' | 'index';

/**
 * Which way to read: through the index when the organisation's relations in the search index are
 * fewer than an eighth of all registrations (counting stops there). Either way gives the same members.
 */
export async function chooseFrom(db: Queryable, organisation: string): Promise<HierarchyFrom> {
  const { rows } = await db.query<{ few: boolean }>(
    `WITH total AS (SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'oio_registrering'::regclass)
     SELECT (SELECT n FROM total) > 0 AND (SELECT count(*) FROM (SELECT 1 FROM oio_soegeindeks
       WHERE maal_uuid = $1::uuid AND kind = 'r' AND felt IN ('tilhoerer', 'tilknyttedeorganisationer')
       LIMIT (SELECT n / 8 FROM total)) x) < (SELECT n / 8 FROM total) AS few`,
    [organisation],
  );
  return rows[0]?.few ? 'index' : 'scan';
}

/** How a hierarchy is read: one range per type read in turn (pages), or several at once (the stream). */
export interface HierarchyReading {
  /** Ranges of the UUID space per type. */
  readonly parts: number;
  /** Segments read at once, each one scan ahead of the consumer. */
  readonly parallel: number;
  /** Members aimed at per statement (and so per chunk). */
  readonly chunk: number;
  /** Where the scans find registrations; chosen for the organisation when not given. */
  readonly from?: HierarchyFrom | undefined;
  /**
   * Members per statement through the index, when larger than `chunk`: each such statement looks at
   * all of the organisation's relations of its kind, so fewer, larger statements cost less.
   */
  readonly indexChunk?: number | undefined;
  /**
   * Whether a chunk's persons are audited when it is read rather than when it is handed out. A
   * stream that stops early has then audited persons read ahead but never sent (more, never less);
   * a page audits only the persons on it.
   */
  readonly auditAhead: boolean;
}

/** A page reads as little as it can beyond what it returns. */
const PAGED = { parts: 1, parallel: 1, auditAhead: false } as const;
/** The stream keeps two statements running while it writes (on two cores, one database core busy while Node writes). */
export const STREAMED: HierarchyReading = { parts: 16, parallel: 2, chunk: 4000, indexChunk: 16_000, auditAhead: true };

/**
 * Every member after `after`, in (objekttype, uuid) order, chunk by chunk, read as the consumer
 * pulls: segments are read `parallel` at a time and each a scan ahead, and handed out in order.
 * A consumer that stops pulling stops the reading; at most 2 × `parallel` chunks are held.
 */
export async function* hierarchyChunks(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  onPersons: PersonsRead | undefined,
  reading: HierarchyReading,
): AsyncGenerator<HierarchyChunk> {
  const from = reading.from ?? (await chooseFrom(db, pin.organisation));
  // Each statement through the index looks at all of the organisation's relations of its kind:
  // cutting the UUID space into ranges would only repeat that.
  const segs = segments(after, from === 'index' ? 1 : reading.parts);
  const size = from === 'index' ? Math.max(reading.chunk, reading.indexChunk ?? 0) : reading.chunk;
  const running = new Map<number, ReadAhead<HierarchyChunk>>();
  const depth = reading.parallel > 1 ? 2 : 1;
  try {
    for (let i = 0; i < segs.length; i++) {
      for (let k = i; k < Math.min(segs.length, i + reading.parallel); k++) {
        if (running.has(k)) continue;
        const chunks = segmentChunks(db, pin, segs[k]!, size, from);
        running.set(k, new ReadAhead(reading.auditAhead && onPersons ? auditedAhead(chunks, onPersons) : chunks, depth));
      }
      const current = running.get(i)!;
      for (;;) {
        const r = await current.next();
        if (r.done) break;
        const { audited, ...chunk } = r.value as HierarchyChunk & { audited?: Promise<void> };
        if (audited) await audited;
        else if (chunk.persons.length && onPersons) await onPersons(chunk.persons);
        yield chunk;
      }
      running.delete(i);
    }
  } finally {
    await Promise.allSettled([...running.values()].map((r) => r.close()));
  }
}

/** One page of at most `limit` members after `after` (as JSON text), the last one's key, and whether more follow. */
export async function readHierarchyPage(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  limit: number,
  onPersons?: PersonsRead,
): Promise<{ lines: string[]; last: HierarchyKey | undefined; more: boolean }> {
  const lines: string[] = [];
  let last: HierarchyKey | undefined;
  let more = false;
  // Ending the loop early returns the generator: nothing more is read. Persons are audited as
  // read, so a chunk is cut to the page before its persons are handed over.
  const audited: PersonsRead | undefined = onPersons
    ? (persons) => onPersons(persons.slice(0, Math.max(0, limit - lines.length)))
    : undefined;
  for await (const c of hierarchyChunks(db, pin, after, audited, { ...PAGED, chunk: limit + 1 })) {
    const room = limit - lines.length;
    const taken = Math.min(room, c.uuids.length);
    for (let i = 0; i < taken; i++) lines.push(c.line(i));
    if (room > 0) last = { objekttype: c.objekttype, uuid: c.uuids[taken - 1]! };
    if (c.uuids.length > room) {
      more = true;
      break;
    }
  }
  return { lines, last, more };
}

/** The members as NDJSON (one object per line), read chunk by chunk as the consumer pulls. */
export function hierarchyNdjson(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  onPersons?: PersonsRead,
  reading: HierarchyReading = STREAMED,
): Readable {
  async function* bytes() {
    for await (const c of hierarchyChunks(db, pin, after, onPersons, reading)) yield c.ndjson();
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 64 * 1024 });
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
