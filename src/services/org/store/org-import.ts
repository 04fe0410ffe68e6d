import { contentFromWire, contentToWire } from '../../../oio/domain/wire.ts';
import { validateContent } from '../../../oio/domain/validate.ts';
import { oioError } from '../../../oio/errors.ts';
import type { Content, ObjectTypeDecl } from '../../../oio/model.ts';
import type { OioStore, WriteContext } from '../../../oio/store/oio-store.ts';
import { AppError, platformError } from '../../../platform/errors.ts';
import { orgError } from '../errors.ts';

/** The object types an organisation import may carry, in the order they are written. */
export const ORG_IMPORT_TYPES = [
  'organisation',
  'adresse',
  'person',
  'itsystem',
  'bruger',
  'organisationenhed',
  'interessefaellesskab',
  'organisationfunktion',
] as const;

export interface OrgImportObject {
  readonly type: string;
  readonly uuid: string;
  readonly content: Content;
}

export interface OrgImportData {
  readonly organisation: { readonly uuid: string; readonly content: Content };
  readonly objects: readonly OrgImportObject[];
}

export interface OrgImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface OrgImportSummary extends OrgImportCounts {
  /** Objects in the import, the organisation included. */
  objects: number;
  byType: Record<string, OrgImportCounts>;
}

export type OrgImportProgress = (done: number, total: number) => void;

const LIVE = new Set(['Opstaaet', 'Importeret', 'Rettet']);
const READ_CHUNK = 1000;

/**
 * Re-throws a failure about one object with the object named: which one (index in the import,
 * type, UUID) goes into the message and the details; the code and status stay the original's.
 */
export function aboutObject(err: unknown, where: { index?: number | undefined; type: string; uuid: string }): unknown {
  if (!(err instanceof AppError)) return err;
  const label = where.index === undefined ? `organisation ${where.uuid}` : `objekter[${where.index}] (${where.type} ${where.uuid})`;
  const details = {
    ...(err.details !== null && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {}),
    objekt: { ...(where.index === undefined ? {} : { index: where.index }), objekttype: where.type, uuid: where.uuid },
  };
  return new AppError({ code: err.code, status: err.status, fk: err.fk, message: err.message }, `${label}: ${err.message}`, details);
}

type OrderedObject = OrgImportObject & { index: number };

/** Consecutive runs of one type, in order. */
function groupByType(ordered: readonly OrderedObject[]): [string, OrderedObject[]][] {
  const out: [string, OrderedObject[]][] = [];
  for (const o of ordered) {
    const last = out[out.length - 1];
    if (last && last[0] === o.type) last[1].push(o);
    else out.push([o.type, [o]]);
  }
  return out;
}

/** Content in the form the store keeps it, for comparing with what is stored. */
function canonical(decl: ObjectTypeDecl, content: Content, roundTrip: boolean): string {
  const wire = contentToWire(decl, content);
  return JSON.stringify(roundTrip ? contentToWire(decl, contentFromWire(decl, wire)) : wire);
}

/**
 * The write order: types in ORG_IMPORT_TYPES order (targets before what points to them), and
 * within units and interest groups parents before children, by every parent a value names at any
 * time. A cycle over time (A under B in one period, B under A in another) cannot be ordered; its
 * members keep their input order.
 */
function writeOrder(objects: readonly (OrgImportObject & { index: number })[]): (OrgImportObject & { index: number })[] {
  const rank = new Map<string, number>(ORG_IMPORT_TYPES.map((t, i) => [t, i]));
  const groups = new Map<string, (OrgImportObject & { index: number })[]>();
  for (const o of objects) {
    const list = groups.get(o.type) ?? [];
    list.push(o);
    groups.set(o.type, list);
  }
  const out: (OrgImportObject & { index: number })[] = [];
  for (const type of [...groups.keys()].sort((a, b) => rank.get(a)! - rank.get(b)!)) {
    const list = groups.get(type)!;
    if (type !== 'organisationenhed' && type !== 'interessefaellesskab') {
      out.push(...list);
      continue;
    }
    const byUuid = new Map(list.map((o) => [o.uuid, o]));
    const state = new Map<string, 1 | 2>(); // 1: being placed, 2: placed
    const place = (start: OrgImportObject & { index: number }) => {
      // Iterative depth-first walk: deep trees must not exhaust the call stack.
      const stack: { o: OrgImportObject & { index: number }; parents: string[] }[] = [];
      const enter = (o: OrgImportObject & { index: number }) => {
        state.set(o.uuid, 1);
        const parents = (o.content.relationer.overordnet ?? []).flatMap((v) => (v.uuid && byUuid.has(v.uuid) ? [v.uuid] : []));
        stack.push({ o, parents });
      };
      enter(start);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const next = top.parents.pop();
        if (next === undefined) {
          stack.pop();
          state.set(top.o.uuid, 2);
          out.push(top.o);
        } else if (!state.has(next)) enter(byUuid.get(next)!);
      }
    };
    for (const o of list) if (!state.has(o.uuid)) place(o);
  }
  return out;
}

/** The relation that says which organisation an object of the import belongs to. */
const OWNER: Readonly<Record<string, string>> = {
  organisationenhed: 'tilhoerer',
  bruger: 'tilhoerer',
  itsystem: 'tilhoerer',
  interessefaellesskab: 'tilhoerer',
  person: 'tilhoerer',
  adresse: 'tilhoerer',
  organisationfunktion: 'tilknyttedeorganisationer',
};

/**
 * Checks what can be checked before any write: known types, no UUID twice, each content well
 * formed (validateContent), every object belonging to the organisation imported where it says
 * whom it belongs to, and relation targets that are part of the import of a type the relation
 * allows (targets already stored are checked by the store as it writes).
 */
function precheck(oio: OioStore, organisation: string, objects: readonly (OrgImportObject & { index?: number | undefined })[]): void {
  const typeOf = new Map<string, string>();
  for (const o of objects) {
    const where = { index: o.index, type: o.type, uuid: o.uuid };
    if (!(ORG_IMPORT_TYPES as readonly string[]).includes(o.type)) {
      throw aboutObject(
        platformError('INVALID_REQUEST', `${o.type} is not an object type of FK Organisation`, { field: 'objekttype' }),
        where,
      );
    }
    if (typeOf.has(o.uuid)) {
      throw aboutObject(platformError('INVALID_REQUEST', 'The import names this UUID twice', { field: 'uuid' }), where);
    }
    typeOf.set(o.uuid, o.type);
  }
  for (const o of objects) {
    const where = { index: o.index, type: o.type, uuid: o.uuid };
    const decl = oio.decl(o.type);
    try {
      validateContent(decl, o.content);
    } catch (err) {
      throw aboutObject(err, where);
    }
    const owner = OWNER[o.type];
    const foreign = owner ? (o.content.relationer[owner] ?? []).find((v) => v.uuid?.toLowerCase() !== organisation || v.urn) : undefined;
    if (foreign) {
      const named = foreign.uuid ?? foreign.urn;
      throw aboutObject(
        orgError('IMPORT_FOREIGN_OBJECT', `${owner} names ${named}, not the organisation imported`, { field: owner }),
        where,
      );
    }
    for (const rel of decl.relations) {
      if (!rel.targets?.length) continue;
      for (const v of o.content.relationer[rel.name] ?? []) {
        const target = v.uuid ? typeOf.get(v.uuid) : undefined;
        if (target && !rel.targets.includes(target)) {
          throw aboutObject(
            oioError(
              'RELATION_TARGET_TYPE_NOT_ALLOWED',
              `${rel.name} cannot point to ${v.uuid}, which is a ${target} (allowed: ${rel.targets.join(', ')})`,
              { field: rel.name },
            ),
            where,
          );
        }
      }
    }
  }
}

/**
 * Imports a whole organisation (the organisation, its units, functions, users, persons,
 * addresses, IT systems, interest groups) in one transaction: everything is written or nothing.
 * Each object is imported (created, or overwritten in full) unless it is stored with exactly this
 * content already; targets are written before what points to them, parent units before their
 * children. Two imports of one organisation take turns.
 */
export async function importOrganisation(
  oio: OioStore,
  data: OrgImportData,
  onProgress?: OrgImportProgress,
  ctx: WriteContext = { note: 'organisation-import' },
): Promise<OrgImportSummary> {
  const orgUuid = data.organisation.uuid.toLowerCase();
  const objects = data.objects.map((o, index) => ({ ...o, uuid: o.uuid.toLowerCase(), index }));
  const root = { type: 'organisation', uuid: orgUuid, content: data.organisation.content, index: -1 };
  precheck(oio, orgUuid, [{ ...root, index: undefined }, ...objects]);
  const ordered = [root, ...writeOrder(objects)];

  const summary: OrgImportSummary = { created: 0, updated: 0, unchanged: 0, objects: ordered.length, byType: {} };
  await oio.inTransaction(async (w) => {
    await w.lock(`org-import:${orgUuid}`);
    // What is stored now, per type, read in chunks (one round trip per thousand objects).
    const current = new Map<string, { livscykluskode: string; content: Content }>();
    const uuidsByType = new Map<string, string[]>();
    for (const o of ordered) {
      const list = uuidsByType.get(o.type);
      if (list) list.push(o.uuid);
      else uuidsByType.set(o.type, [o.uuid]);
    }
    for (const [type, uuids] of uuidsByType) {
      for (let i = 0; i < uuids.length; i += READ_CHUNK) {
        for (const obj of await w.list(type, uuids.slice(i, i + READ_CHUNK))) {
          const reg = obj.registreringer[obj.registreringer.length - 1]!;
          current.set(obj.uuid, { livscykluskode: reg.livscykluskode, content: reg.content });
        }
      }
    }
    let done = 0;
    const about = (err: unknown, o: OrderedObject) =>
      aboutObject(err, { index: o.index < 0 ? undefined : o.index, type: o.type, uuid: o.uuid });
    // Type by type in write order: the new objects in bulk (parents before children, as ordered),
    // then the changed ones one by one.
    for (const [type, group] of groupByType(ordered)) {
      const counts = (summary.byType[type] ??= { created: 0, updated: 0, unchanged: 0 });
      const decl = oio.decl(type);
      const fresh = group.filter((o) => !current.has(o.uuid));
      await w.importMany(type, fresh, { ctx, about, onWritten: (n) => onProgress?.((done += n), ordered.length) });
      counts.created += fresh.length;
      summary.created += fresh.length;
      for (const o of group) {
        const now = current.get(o.uuid);
        if (!now) continue;
        const kind =
          LIVE.has(now.livscykluskode) && canonical(decl, now.content, false) === canonical(decl, o.content, true)
            ? 'unchanged'
            : 'updated';
        if (kind === 'updated') {
          try {
            await w.importer(o.type, o.uuid, o.content, ctx);
          } catch (err) {
            throw about(err, o);
          }
        }
        counts[kind]++;
        summary[kind]++;
        onProgress?.(++done, ordered.length);
      }
    }
  });
  if (summary.created + summary.updated > 100) await oio.analyze();
  return summary;
}
