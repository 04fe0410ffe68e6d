import { emptyContent } from '../../../oio/model.ts';
import type { OioStore, OioWriter } from '../../../oio/store/oio-store.ts';
import type { AuditEntry, AuditLog } from '../../../platform/audit.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { containsCpr, cprSpellings, parseCpr } from '../domain/cpr.ts';
import { orgError } from '../errors.ts';
import { currentNow } from '../../../oio/store/read-surface.ts';

/** Who asks for the anonymisation, for the audit log. */
export interface AnonymiseActor {
  readonly actor: string;
  readonly actorCvr?: string | undefined;
  readonly requestId?: string | undefined;
  readonly purpose?: string | undefined;
}

export interface AnonymiseResult {
  /** The persons anonymised (a CPR number may be held by more than one person object). */
  readonly uuids: readonly string[];
  /** How many of their registrations were rewritten (held a CPR number, a name or a note naming them). */
  readonly registreringer: number;
}

/** What replaces a CPR number or a name inside a note. */
export const ANONYMISED_MARK = '[anonymiseret]';
/** The note of the registration that records the anonymisation. */
export const ANONYMISED_NOTE = 'Anonymiseret: CPR-nummer og navn fjernet';

type Json = Record<string, unknown>;

type StoredRegistration = {
  id: string;
  uuid: string;
  livscykluskode: string;
  til: string;
  note: string | null;
  indhold: Json;
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces every occurrence of the sensitive strings (names case-insensitively) in a note. */
function scrubber(cprDigits: readonly string[], names: readonly string[]): (text: string) => string {
  const needles = [...cprDigits.flatMap((d) => cprSpellings(d)), ...names]
    .filter((s) => s.length >= 2)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  if (needles.length === 0) return (text) => text;
  const pattern = new RegExp(needles.join('|'), 'giu');
  return (text) => text.replace(pattern, ANONYMISED_MARK);
}

const asRecord = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Every value (attribute, state, relation) of a registration's content, as stored. */
function values(indhold: Json): Json[] {
  const out: Json[] = [];
  for (const part of ['attributter', 'tilstande', 'relationer']) {
    for (const list of Object.values(asRecord(indhold[part]) ?? {})) {
      for (const value of asList(list)) {
        const v = asRecord(value);
        if (v) out.push(v);
      }
    }
  }
  return out;
}

/** The person's CPR numbers (as digits) and names, across all its registrations. */
function sensitive(registrations: readonly StoredRegistration[], asked: string | undefined): { cprs: string[]; names: string[] } {
  const cprs = new Set<string>(asked ? [asked] : []);
  const names = new Set<string>();
  for (const r of registrations) {
    for (const value of asList(asRecord(r.indhold.attributter)?.personegenskaber)) {
      const v = asRecord(value);
      if (typeof v?.cpr_nummer === 'string') {
        // Also a number stored before the CPR rule held, when it has the ten digits of one.
        const digits = v.cpr_nummer.replace(/\D/g, '');
        if (digits.length === 10) cprs.add(digits);
      }
      if (typeof v?.navn === 'string' && v.navn.trim() !== '') names.add(v.navn.trim());
    }
  }
  return { cprs: [...cprs], names: [...names] };
}

/**
 * One registration with the person's CPR number and name removed: `cpr_nummer` and `navn` leave
 * every personegenskaber value, `brugervendtnoegle` too where it holds a CPR number, and notes
 * (the registration's and every virkning's) have the number and names replaced. Relations,
 * states and every virkning stay as they were. Returns undefined when nothing changes.
 */
function rewrite(
  r: StoredRegistration,
  cprs: readonly string[],
  scrub: (text: string) => string,
): { indhold: Json; note: string | null; removedBvn: string[]; notes: Map<string, string> } | undefined {
  const indhold = structuredClone(r.indhold);
  let changed = false;
  const removedBvn: string[] = [];
  const notes = new Map<string, string>();
  for (const value of asList(asRecord(indhold.attributter)?.personegenskaber)) {
    const v = asRecord(value);
    if (!v) continue;
    for (const field of ['cpr_nummer', 'navn']) {
      if (field in v) {
        delete v[field];
        changed = true;
      }
    }
    if (typeof v.brugervendtnoegle === 'string' && cprs.some((d) => containsCpr(v.brugervendtnoegle as string, d))) {
      removedBvn.push(v.brugervendtnoegle);
      delete v.brugervendtnoegle;
      changed = true;
    }
  }
  for (const v of values(indhold)) {
    const virkning = asRecord(v.virkning);
    if (typeof virkning?.notetekst === 'string') {
      const clean = scrub(virkning.notetekst);
      if (clean !== virkning.notetekst) {
        notes.set(virkning.notetekst, clean);
        virkning.notetekst = clean;
        changed = true;
      }
    }
  }
  const note = r.note === null ? null : scrub(r.note);
  if (note !== r.note) changed = true;
  return changed ? { indhold, note, removedBvn, notes } : undefined;
}

/**
 * Anonymises a person (by UUID, or every person holding a CPR number, found through the search
 * index in any registration): removes the CPR number and name from every registration of it,
 * history included, in the stored content and in the search index, keeping its relations, states
 * and virkning. This is the one place registrations are rewritten in place, as the law requires.
 * Then, for a person that is not passivated or deleted, writes a new registration (Rettet) whose
 * note records the anonymisation, and appends an audit record (the CPR number only as its hash).
 * All of it is one transaction. Throws INVALID_CPR or PERSON_NOT_FOUND.
 */
export async function anonymise(
  oio: OioStore,
  audit: AuditLog,
  by: { readonly uuid?: string | undefined; readonly cpr?: string | undefined },
  actor: AnonymiseActor,
  /** The persons the caller may anonymise, of those found (in the transaction); absent: all. */
  mayTouch?: (tx: Queryable, persons: readonly string[]) => Promise<readonly string[]>,
): Promise<AnonymiseResult> {
  let asked: string | undefined;
  if (by.cpr !== undefined) {
    const parsed = parseCpr(by.cpr);
    if (!parsed) throw orgError('INVALID_CPR', 'cpr is not a CPR number', { field: 'cpr' });
    asked = parsed.digits;
  } else if (by.uuid === undefined) {
    throw orgError('PERSON_NOT_FOUND', 'Name the person by uuid or cpr');
  }

  return oio.inTransaction(async (writer) => {
    // The one in-place rewrite of history commits with the registration written through the
    // writer and the audit record, or not at all.
    const tx = writer.tx;
    const found =
      asked !== undefined
        ? (
            await tx.query<{ uuid: string }>(
              `SELECT DISTINCT r.objekt_uuid::text AS uuid
               FROM oio_soegeindeks s JOIN oio_registrering r ON r.id = s.registrering_id
               WHERE s.kind = 'a' AND s.felt = 'cpr_nummer' AND lower(s.tekst) = ANY($1::text[]) AND r.objekttype = 'person'`,
              [cprSpellings(asked)],
            )
          ).rows.map((r) => r.uuid)
        : [by.uuid!.toLowerCase()];
    // Only the caller's own persons are anonymised, and only they are named in the answer: a CPR
    // number held by persons of other municipalities too neither touches nor reveals those.
    const candidates = mayTouch ? await mayTouch(tx, found) : found;
    // Lock the persons' current registrations as every writer does, in one order, so no write to
    // them runs meanwhile. A registration closed by a writer we waited for drops out of the
    // answer: read again until every existing person is locked.
    const existing = (
      await tx.query<{ uuid: string }>(`SELECT uuid::text AS uuid FROM oio_objekt WHERE uuid = ANY($1::uuid[]) AND objekttype = 'person'`, [
        candidates,
      ])
    ).rows.map((r) => r.uuid);
    let locked: string[] = [];
    for (let attempt = 0; attempt < 8 && locked.length < existing.length; attempt++) {
      locked = (
        await tx.query<{ uuid: string }>(
          `SELECT objekt_uuid::text AS uuid FROM oio_registrering
           WHERE objekt_uuid = ANY($1::uuid[]) AND objekttype = 'person' AND ${currentNow('oio_registrering')} ORDER BY objekt_uuid FOR UPDATE`,
          [existing],
        )
      ).rows.map((r) => r.uuid);
    }
    if (locked.length === 0) throw orgError('PERSON_NOT_FOUND', asked !== undefined ? 'No person has this CPR number' : undefined);

    const { rows } = await tx.query<StoredRegistration>(
      `SELECT id::text AS id, objekt_uuid::text AS uuid, livscykluskode, to_json(til)#>>'{}' AS til, note, indhold
       FROM oio_registrering WHERE objekt_uuid = ANY($1::uuid[]) ORDER BY objekt_uuid, fra`,
      [locked],
    );

    let rewritten = 0;
    const entries: AuditEntry[] = [];
    for (const uuid of locked) {
      const registrations = rows.filter((r) => r.uuid === uuid);
      const { cprs, names } = sensitive(registrations, asked);
      const scrub = scrubber(cprs, names);
      const updates: { id: string; indhold: Json; note: string | null }[] = [];
      const removedBvn = new Set<string>();
      const notes = new Map<string, string>();
      for (const r of registrations) {
        const out = rewrite(r, cprs, scrub);
        if (!out) continue;
        updates.push({ id: r.id, indhold: out.indhold, note: out.note });
        out.removedBvn.forEach((b) => removedBvn.add(b));
        out.notes.forEach((clean, old) => notes.set(old, clean));
      }
      if (updates.length > 0) {
        const ids = registrations.map((r) => r.id);
        await tx.query(
          `UPDATE oio_registrering r SET indhold = x.indhold, note = x.note
           FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, indhold jsonb, note text) WHERE r.id = x.id`,
          [JSON.stringify(updates)],
        );
        // The index mirrors the content: the removed fields' rows go, notes are scrubbed alike.
        await tx.query(
          `DELETE FROM oio_soegeindeks
           WHERE registrering_id = ANY($1::bigint[]) AND kind = 'a'
             AND (felt IN ('cpr_nummer', 'navn') OR (felt = 'brugervendtnoegle' AND tekst = ANY($2::text[])))`,
          [ids, [...removedBvn]],
        );
        if (notes.size > 0) {
          await tx.query(
            `UPDATE oio_soegeindeks s SET notetekst = m.ny
             FROM jsonb_to_recordset($2::jsonb) AS m(gammel text, ny text)
             WHERE s.registrering_id = ANY($1::bigint[]) AND s.notetekst = m.gammel`,
            [ids, JSON.stringify([...notes].map(([gammel, ny]) => ({ gammel, ny })))],
          );
        }
      }
      rewritten += updates.length;

      const current = registrations.find((r) => r.til === 'infinity');
      if (current && current.livscykluskode !== 'Passiveret' && current.livscykluskode !== 'Slettet') {
        await writer.ret('person', uuid, emptyContent(), { note: ANONYMISED_NOTE });
      }
      const base = {
        actor: actor.actor,
        actorCvr: actor.actorCvr,
        action: 'anonymiser',
        objectType: 'person',
        objectUuid: uuid,
        purpose: actor.purpose,
        requestId: actor.requestId,
        details: { registreringer: updates.length },
      };
      // One record per CPR number the person has held, so "who touched this person" finds it by any.
      if (cprs.length === 0) entries.push(base);
      else for (const cpr of cprs) entries.push({ ...base, personCpr: cpr });
    }
    await audit.record(tx, entries);
    return { uuids: locked, registreringer: rewritten };
  });
}
