import { foldText } from '../domain/fold.ts';
import { formatInstant } from '../domain/time.ts';
import type { Content, ObjectTypeDecl } from '../model.ts';

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
export function indexRows(decl: ObjectTypeDecl, content: Content): IndexRow[] {
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

/**
 * The span of virkning in which every value of the content holds, as [from, to) bounds for
 * `tstzrange` (an empty span when the values share no instant); nulls (an unbounded range) never
 * occur for content with values, and content without values has the whole time line.
 */
export function commonVirkning(content: Content): { from: string; to: string } {
  let from = -Infinity;
  let to = Infinity;
  for (const part of [content.attributter, content.tilstande, content.relationer]) {
    for (const values of Object.values(part)) {
      for (const v of values ?? []) {
        if (v.virkning.from > from) from = v.virkning.from;
        if (v.virkning.to < to) to = v.virkning.to;
      }
    }
  }
  // tstzrange(x, x) is the empty range.
  return to <= from ? { from: formatInstant(from), to: formatInstant(from) } : { from: formatInstant(from), to: formatInstant(to) };
}

/** The responsible organisation an event names: the object itself, or its `tilhoerer`-like relation now. */
export function responsibleOf(decl: ObjectTypeDecl, uuid: string, content: Content): string | undefined {
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
export function targetChecks(decl: ObjectTypeDecl, content: Content): { uuid: string; rel: string; allowed: readonly string[] }[] {
  const checks: { uuid: string; rel: string; allowed: readonly string[] }[] = [];
  for (const rel of decl.relations) {
    if (!rel.targets?.length) continue;
    for (const v of content.relationer[rel.name] ?? []) if (v.uuid) checks.push({ uuid: v.uuid, rel: rel.name, allowed: rel.targets });
  }
  return checks;
}

// One round trip for the whole write: close the current registration, open the new one, write
// its search index rows and its outbox event (the same row recordEvents writes), and report
// relation targets of a type the relation does not allow (the caller then aborts the transaction).
// With $17 true it is a whole create on its own (no transaction around it): it also claims the
// UUID, and writes nothing at all when a relation target has a type it may not have or the UUID
// is taken (`claimed` 0).
export const WRITE_SQL = `
WITH bad AS (
  SELECT x.rel, x.uuid::text AS uuid, o.objekttype, x.allowed
  FROM jsonb_to_recordset($14::jsonb) AS x(uuid uuid, rel text, allowed text[])
  JOIN oio_objekt o ON o.uuid = x.uuid
  WHERE NOT (o.objekttype = ANY (x.allowed))
  UNION ALL -- the object itself, when it names itself and its UUID is claimed here
  SELECT x.rel, x.uuid::text, $2, x.allowed FROM jsonb_to_recordset($14::jsonb) AS x(uuid uuid, rel text, allowed text[])
  WHERE $17::boolean AND x.uuid = $1::uuid AND NOT ($2 = ANY (x.allowed))
),
claim AS (
  INSERT INTO oio_objekt (uuid, objekttype) SELECT $1::uuid, $2 WHERE $17::boolean AND NOT EXISTS (SELECT 1 FROM bad)
  ON CONFLICT (uuid) DO NOTHING RETURNING uuid
),
t AS (
  SELECT greatest(clock_timestamp(), $3::timestamptz + interval '1 microsecond') AS tid
  WHERE NOT $17::boolean OR EXISTS (SELECT 1 FROM claim)
),
closed AS (
  UPDATE oio_registrering SET til = (SELECT tid FROM t), til_xid = pg_current_xact_id() WHERE id = $4::bigint RETURNING id
),
reg AS (
  INSERT INTO oio_registrering (objekt_uuid, objekttype, fra, livscykluskode, brugerref, note, indhold, faelles_virkning)
  SELECT $1::uuid, $2, t.tid, $5, $6, $7, $8::jsonb, tstzrange($15::timestamptz, $16::timestamptz, '[)') FROM t
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
  INSERT INTO outbox (topic, action, object_uuid, responsible, payload) SELECT $10, $11, $1::uuid, $12, $13::jsonb FROM reg
)
SELECT (SELECT count(*) FROM claim)::int AS claimed, (SELECT count(*) FROM closed) AS closed,
       (SELECT json_agg(bad) FROM bad) AS bad`;

/**
 * The bulk form of WRITE_SQL, for objects whose UUIDs the transaction has just claimed (so none
 * has a registration to close): one registration each at one registration time, their index
 * rows, their outbox events, and the first relation target of a type its relation does not allow.
 */
export const BULK_WRITE_SQL = `
WITH t AS (SELECT clock_timestamp() AS tid),
obj AS (
  SELECT x.ord, x.uuid, x.indhold, x.responsible, x.ffra, x.ftil
  FROM jsonb_to_recordset($5::jsonb) AS x(ord int, uuid uuid, indhold jsonb, responsible text, ffra text, ftil text)
),
reg AS (
  INSERT INTO oio_registrering (objekt_uuid, objekttype, fra, livscykluskode, brugerref, note, indhold, faelles_virkning)
  SELECT obj.uuid, $1, t.tid, $2, $3, $4, obj.indhold, tstzrange(obj.ffra::timestamptz, obj.ftil::timestamptz, '[)') FROM t, obj ORDER BY obj.ord
  RETURNING id, objekt_uuid
),
idx AS (
  INSERT INTO oio_soegeindeks (registrering_id, kind, felt, tekst, tekst_foldet, maal_uuid, maal_type, notetekst, virkning)
  SELECT reg.id, x.kind::"char", x.felt, x.tekst, x.tekst_foldet, x.maal_uuid, x.maal_type, x.notetekst,
         tstzrange(x.vfra::timestamptz, x.vtil::timestamptz, '[)')
  FROM jsonb_to_recordset($6::jsonb)
    AS x(self uuid, kind text, felt text, tekst text, tekst_foldet text, maal_uuid uuid, maal_type text, notetekst text, vfra text, vtil text)
  JOIN reg ON reg.objekt_uuid = x.self
),
event AS (
  INSERT INTO outbox (topic, action, object_uuid, responsible, payload)
  SELECT $7, $8, obj.uuid, obj.responsible, $9::jsonb FROM obj ORDER BY obj.ord
),
bad AS (
  SELECT x.self::text AS self, x.rel, x.uuid::text AS uuid, o.objekttype, x.allowed
  FROM jsonb_to_recordset($10::jsonb) AS x(self uuid, uuid uuid, rel text, allowed text[])
  JOIN oio_objekt o ON o.uuid = x.uuid
  WHERE NOT (o.objekttype = ANY (x.allowed))
)
SELECT (SELECT json_agg(bad) FROM bad) AS bad, (SELECT count(*) FROM reg) AS written`;
