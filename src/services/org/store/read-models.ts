import type { Queryable } from '../../../platform/store/store.ts';
import { oioError } from '../../../oio/errors.ts';
import { currentAt } from '../../../oio/store/read-surface.ts';

/**
 * FK Organisation's read models: the unit tree (ancestors, subtree), who works where, and units by
 * KLE task or address role, each as of (virkningstid, registreringstid). Each is one statement
 * over the search index (relation rows carry their target and virkning) joined to the
 * registrations current at the registration time, so it reads one consistent state.
 *
 * Every statement takes $1 = registration time and $2 = effective instant. Passivated and deleted
 * objects are left out, as in a search; a function whose `gyldighed` is `Inaktiv` at the instant
 * ties no one to anything.
 */

/**
 * A caller's limits inside a read model's statement: only units, functions and users of its
 * organisations, and, for a token restricted to organisation units, only those units.
 */
export interface ReadScope {
  readonly organisations: readonly string[];
  readonly units?: readonly string[] | undefined;
}

/** The instant pair every read model is read at. */
export interface ReadAt {
  /** Registration time, as the database prints it or as the caller gave it. */
  readonly registreringstid: string;
  /** Effective instant, ISO 8601 (or ±infinity). */
  readonly virkningstid: string;
}

const R = '$1::timestamptz';
const T = '$2::timestamptz';

/** Registration `r` is current at R and neither passivated nor deleted. */
const current = (r: string) => `${currentAt(r, R)} AND ${r}.livscykluskode NOT IN ('Passiveret', 'Slettet')`;

/** The stored value `v` (an element of a group in the registration's JSON) holds at T. */
const holds = (v: string) => `(${v}->'virkning'->>'from')::timestamptz <= ${T} AND (${v}->'virkning'->>'to')::timestamptz > ${T}`;

/**
 * An attribute field's text at T in registration `r` (field names are constants of this file),
 * read from the registration's own JSON, which the statement has at hand: cheaper than a lookup
 * in the search index per value.
 */
const attr = (r: string, felt: string) =>
  `(SELECT av.val->>'${felt}' FROM jsonb_each(${r}.indhold->'attributter') ag, jsonb_array_elements(ag.value) AS av(val)
     WHERE av.val ? '${felt}' AND ${holds('av.val')} LIMIT 1)`;

/** A 0..1 relation's target (UUID or URN) at T in registration `r`. */
const rel = (r: string, felt: string) =>
  `(SELECT coalesce(rv.val->>'uuid', rv.val->>'urn') FROM jsonb_array_elements(coalesce(${r}.indhold->'relationer'->'${felt}', '[]')) AS rv(val)
     WHERE ${holds('rv.val')} LIMIT 1)`;

/** The function registration `f` is not `Inaktiv` at T. */
const functionValid = (f: string) =>
  `NOT EXISTS (SELECT 1 FROM jsonb_each(${f}.indhold->'tilstande') tg, jsonb_array_elements(tg.value) AS tv(val)
     WHERE tv.val->>'gyldighed' = 'Inaktiv' AND ${holds('tv.val')})`;

/** Registration `r` belongs to organisation `org` (a parameter) at T. */
const belongsTo = (r: string, org: string) =>
  `EXISTS (SELECT 1 FROM oio_soegeindeks b WHERE b.registrering_id = ${r}.id AND b.kind = 'r' AND b.felt = 'tilhoerer'
     AND b.maal_uuid = ${org}::uuid AND b.virkning @> ${T})`;

/** Registration `r` belongs at T to one of the organisations `orgs` (a uuid[] parameter), by `felt`. */
const belongsToAny = (r: string, orgs: string, felt = 'tilhoerer') =>
  `EXISTS (SELECT 1 FROM oio_soegeindeks ${r}_b WHERE ${r}_b.registrering_id = ${r}.id AND ${r}_b.kind = 'r' AND ${r}_b.felt = '${felt}'
     AND ${r}_b.maal_uuid = ANY(${orgs}::uuid[]) AND ${r}_b.virkning @> ${T})`;

/** The unit `uuid` (SQL) is among the units of a restriction `units` (a uuid[] parameter; null: no restriction). */
const inUnits = (uuid: string, units: string) => `(${units}::uuid[] IS NULL OR ${uuid} = ANY(${units}::uuid[]))`;

/** The parameters of a scope, in order: the organisations, and the units (null when unrestricted). */
const scopeParams = (scope: ReadScope) => [scope.organisations, scope.units ?? null];

/** Deepest chain followed: a guard against a cycle that history might hold; the path check stops it first. */
const MAX_DEPTH = 1000;

/**
 * A recursive CTE `name(uuid, overordnet, niveau, path)` of the units below the rows of `start`
 * (which yields `uuid`), following `overordnet` relations that hold at T in current registrations.
 * `stop` is SQL excluding a child from the walk (it may refer to `c`, the child's registration).
 */
function descendants(name: string, start: string, stop = 'false', orgs?: string): string {
  return `${name}(uuid, overordnet, niveau, path) AS (
    SELECT s.uuid, NULL::uuid, 0, ARRAY[s.uuid] FROM (${start}) s
    UNION ALL
    SELECT c.objekt_uuid, t.uuid, t.niveau + 1, t.path || c.objekt_uuid
    FROM ${name} t
    JOIN oio_soegeindeks o ON o.maal_uuid = t.uuid AND o.felt = 'overordnet' AND o.kind = 'r' AND o.virkning @> ${T}
    JOIN oio_registrering c ON c.id = o.registrering_id AND c.objekttype = 'organisationenhed' AND ${current('c')}
    WHERE NOT c.objekt_uuid = ANY(t.path) AND t.niveau < ${MAX_DEPTH} AND NOT (${stop})
      ${orgs ? `AND ${belongsToAny('c', orgs)}` : ''}
  )`;
}

/** Drops null and undefined values, so optional fields are absent rather than null. */
function compact<T extends Record<string, unknown>>(row: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined)) as never;
}

/**
 * Throws OBJECT_NOT_FOUND when no registration of an object of this type is current at R, and
 * OBJECT_DELETED when it is deleted (as `laes` does). A passivated object is read as any other.
 */
export async function requireObject(db: Queryable, type: string, uuid: string, at: ReadAt): Promise<void> {
  const { rows } = await db.query<{ livscykluskode: string }>(
    `SELECT livscykluskode FROM oio_registrering r
     WHERE r.objekt_uuid = $2::uuid AND r.objekttype = $3 AND ${currentAt('r', R)}`,
    [at.registreringstid, uuid, type],
  );
  if (!rows[0]) throw oioError('OBJECT_NOT_FOUND');
  if (rows[0].livscykluskode === 'Slettet') throw oioError('OBJECT_DELETED');
}

export interface UnitRef {
  uuid: string;
  brugervendtnoegle?: string;
  enhedsnavn?: string;
}

export interface Ancestor extends UnitRef {
  /** 1: the parent, 2: the grandparent … */
  niveau: number;
}

/** A unit's ancestors, nearest first, up to the root unit (units only: a parent that is no current unit ends the chain). */
export async function ancestors(db: Queryable, unit: string, at: ReadAt, scope: ReadScope): Promise<Ancestor[]> {
  const { rows } = await db.query<{ uuid: string; niveau: number; brugervendtnoegle: string | null; enhedsnavn: string | null }>(
    `WITH RECURSIVE chain(uuid, reg, niveau, path) AS (
       SELECT u.objekt_uuid, u.id, 0, ARRAY[u.objekt_uuid] FROM oio_registrering u
       WHERE u.objekt_uuid = $3::uuid AND u.objekttype = 'organisationenhed' AND ${currentAt('u', R)}
       UNION ALL
       SELECT p.objekt_uuid, p.id, c.niveau + 1, c.path || p.objekt_uuid
       FROM chain c
       JOIN oio_soegeindeks o ON o.registrering_id = c.reg AND o.kind = 'r' AND o.felt = 'overordnet' AND o.virkning @> ${T}
       JOIN oio_registrering p ON p.objekt_uuid = o.maal_uuid AND p.objekttype = 'organisationenhed' AND ${current('p')}
       WHERE NOT p.objekt_uuid = ANY(c.path) AND c.niveau < ${MAX_DEPTH} AND ${belongsToAny('p', '$4')}
     )
     SELECT c.uuid::text AS uuid, c.niveau, ${attr('r', 'brugervendtnoegle')} AS brugervendtnoegle, ${attr('r', 'enhedsnavn')} AS enhedsnavn
     FROM chain c JOIN oio_registrering r ON r.id = c.reg
     WHERE c.niveau > 0 AND ${inUnits('c.uuid', '$5')}
     ORDER BY c.niveau`,
    [at.registreringstid, at.virkningstid, unit, ...scopeParams(scope)],
  );
  return rows.map((r) => compact({ ...r, niveau: Number(r.niveau) }));
}

export interface Descendant extends UnitRef {
  /** The parent unit. */
  overordnet: string;
  /** 1: a child, 2: a grandchild … */
  niveau: number;
}

/** Every unit below a unit, with its parent and depth; by depth, then brugervendtnoegle. */
export async function subtree(db: Queryable, unit: string, at: ReadAt, scope: ReadScope): Promise<Descendant[]> {
  const { rows } = await db.query<{
    uuid: string;
    overordnet: string;
    niveau: number;
    brugervendtnoegle: string | null;
    enhedsnavn: string | null;
  }>(
    `WITH RECURSIVE ${descendants('tree', 'SELECT $3::uuid AS uuid', 'false', '$4')}
     SELECT t.uuid::text AS uuid, t.overordnet::text AS overordnet, t.niveau,
            ${attr('r', 'brugervendtnoegle')} AS brugervendtnoegle, ${attr('r', 'enhedsnavn')} AS enhedsnavn
     FROM tree t JOIN oio_registrering r ON r.objekt_uuid = t.uuid AND r.objekttype = 'organisationenhed' AND ${current('r')}
     WHERE t.niveau > 0 AND ${inUnits('t.uuid', '$5')}
     ORDER BY t.niveau, brugervendtnoegle, t.uuid`,
    [at.registreringstid, at.virkningstid, unit, ...scopeParams(scope)],
  );
  return rows.map((r) => compact({ ...r, niveau: Number(r.niveau) }));
}

export interface Tilknytning {
  bruger: string;
  brugervendtnoegle?: string;
  brugernavn?: string;
  enhed: string;
  enhedsnavn?: string;
  funktion: string;
  funktionsnavn?: string;
  /** The function type: a class UUID or a URN. */
  funktionstype?: string;
}

/** Where a page of tilknytninger ends: the last row's (enhed, funktion, bruger). */
export type TilknytningKey = readonly [enhed: string, funktion: string, bruger: string];

/**
 * Who works in a unit (or, with `withSubtree`, in it and every unit below it): one row per user,
 * unit and function that ties them, the function valid at T; in (enhed, funktion, bruger) UUID
 * order, a page of at most `limit` rows after `after`. The units are found first; their
 * tilknytninger are then read a batch of units at a time, in order, until the page is full, so a
 * page costs about the same however large the subtree.
 */
export async function worksIn(
  db: Queryable,
  unit: string,
  at: ReadAt,
  withSubtree: boolean,
  scope: ReadScope,
  limit = 1000,
  after?: TilknytningKey,
): Promise<{ tilknytninger: Tilknytning[]; last?: TilknytningKey | undefined }> {
  const { rows: units } = await db.query<{ uuid: string }>(
    `WITH RECURSIVE ${descendants('units', 'SELECT $3::uuid AS uuid', '$4::boolean IS FALSE', '$5')}
     SELECT DISTINCT uuid::text AS uuid FROM units WHERE ${inUnits('uuid', '$6')} ${after ? 'AND uuid >= $7::uuid' : ''} ORDER BY 1`,
    [at.registreringstid, at.virkningstid, unit, withSubtree, ...scopeParams(scope), ...(after ? [after[0]] : [])],
  );
  const out: Record<string, string | null>[] = [];
  let batch = 16;
  for (let i = 0; i < units.length && out.length <= limit; i += batch, batch = Math.min(batch * 2, 512)) {
    const { rows } = await db.query<Record<string, string | null>>(
      `SELECT b.objekt_uuid::text AS bruger, ${attr('b', 'brugervendtnoegle')} AS brugervendtnoegle, ${attr('b', 'brugernavn')} AS brugernavn,
              e.objekt_uuid::text AS enhed, ${attr('e', 'enhedsnavn')} AS enhedsnavn,
              f.objekt_uuid::text AS funktion, ${attr('f', 'funktionsnavn')} AS funktionsnavn, ${rel('f', 'funktionstype')} AS funktionstype
       FROM oio_registrering e
       JOIN oio_soegeindeks se ON se.maal_uuid = e.objekt_uuid AND se.felt = 'tilknyttedeenheder' AND se.kind = 'r' AND se.virkning @> ${T}
       JOIN oio_registrering f ON f.id = se.registrering_id AND f.objekttype = 'organisationfunktion' AND ${current('f')}
       CROSS JOIN LATERAL jsonb_array_elements(coalesce(f.indhold->'relationer'->'tilknyttedebrugere', '[]')) AS sb(val)
       JOIN oio_registrering b ON b.objekt_uuid = (sb.val->>'uuid')::uuid AND b.objekttype = 'bruger' AND ${current('b')}
       WHERE e.objekt_uuid = ANY($3::uuid[]) AND e.objekttype = 'organisationenhed' AND ${current('e')}
         AND ${holds('sb.val')} AND sb.val ? 'uuid' AND ${functionValid('f')}
         AND ${belongsToAny('f', '$5', 'tilknyttedeorganisationer')} AND ${belongsToAny('b', '$5')}
         ${after ? 'AND (e.objekt_uuid, f.objekt_uuid, b.objekt_uuid) > ($6::uuid, $7::uuid, $8::uuid)' : ''}
       ORDER BY e.objekt_uuid, f.objekt_uuid, b.objekt_uuid
       LIMIT $4`,
      [
        at.registreringstid,
        at.virkningstid,
        units.slice(i, i + batch).map((u) => u.uuid),
        limit + 1 - out.length,
        scope.organisations,
        ...(after ?? []),
      ],
    );
    out.push(...rows);
  }
  const page = out.slice(0, limit).map((r) => compact(r) as unknown as Tilknytning);
  const tail = page[page.length - 1];
  return { tilknytninger: page, ...(out.length > limit && tail ? { last: [tail.enhed, tail.funktion, tail.bruger] as const } : {}) };
}

export interface BrugerFunktion {
  funktion: string;
  funktionsnavn?: string;
  funktionstype?: string;
  enheder: UnitRef[];
}

/** A user's functions valid at T, each with the units it ties the user to; by function name. */
export async function userFunctions(db: Queryable, user: string, at: ReadAt, scope: ReadScope): Promise<BrugerFunktion[]> {
  const { rows } = await db.query<{
    funktion: string;
    funktionsnavn: string | null;
    funktionstype: string | null;
    enhed: string | null;
    brugervendtnoegle: string | null;
    enhedsnavn: string | null;
  }>(
    `SELECT f.objekt_uuid::text AS funktion, ${attr('f', 'funktionsnavn')} AS funktionsnavn, ${rel('f', 'funktionstype')} AS funktionstype,
            e.objekt_uuid::text AS enhed, ${attr('e', 'brugervendtnoegle')} AS brugervendtnoegle, ${attr('e', 'enhedsnavn')} AS enhedsnavn
     FROM oio_soegeindeks sb
     JOIN oio_registrering f ON f.id = sb.registrering_id AND f.objekttype = 'organisationfunktion' AND ${current('f')}
     LEFT JOIN (oio_soegeindeks se JOIN oio_registrering e ON e.objekt_uuid = se.maal_uuid AND e.objekttype = 'organisationenhed' AND ${current('e')}
                AND ${belongsToAny('e', '$4')} AND ${inUnits('e.objekt_uuid', '$5')})
       ON se.registrering_id = f.id AND se.kind = 'r' AND se.felt = 'tilknyttedeenheder' AND se.virkning @> ${T}
     WHERE sb.maal_uuid = $3::uuid AND sb.felt = 'tilknyttedebrugere' AND sb.kind = 'r' AND sb.virkning @> ${T} AND ${functionValid('f')}
       AND ${belongsToAny('f', '$4', 'tilknyttedeorganisationer')}
     ORDER BY funktionsnavn, f.objekt_uuid, enhedsnavn, e.objekt_uuid`,
    [at.registreringstid, at.virkningstid, user, ...scopeParams(scope)],
  );
  const out: BrugerFunktion[] = [];
  for (const r of rows) {
    let last = out[out.length - 1];
    if (last?.funktion !== r.funktion) {
      last = { ...compact({ funktion: r.funktion, funktionsnavn: r.funktionsnavn, funktionstype: r.funktionstype }), enheder: [] };
      out.push(last);
    }
    if (r.enhed && !last.enheder.some((e) => e.uuid === r.enhed)) {
      last.enheder.push(compact({ uuid: r.enhed, brugervendtnoegle: r.brugervendtnoegle, enhedsnavn: r.enhedsnavn }));
    }
  }
  return out;
}

export interface UnitWithTask extends UnitRef {
  /** The unit has the task through an ancestor, not itself. */
  arvet: boolean;
  /** The nearest ancestor that has the task itself (when inherited). */
  arvetfra?: string;
}

/**
 * The units of an organisation that have a task (a KLE class, by UUID or URN) at T: directly in
 * their `opgaver`, and with `inherited` also every unit below one that has it (a unit inherits its
 * ancestors' tasks). Only units belonging to the organisation (`tilhoerer`) count.
 */
export async function unitsWithTask(
  db: Queryable,
  organisation: string,
  task: { uuid: string } | { urn: string },
  inherited: boolean,
  at: ReadAt,
  scope: ReadScope,
): Promise<UnitWithTask[]> {
  const taskMatch = 'uuid' in task ? 's.maal_uuid = $4::uuid' : 'lower(s.tekst) = lower($4)';
  const { rows } = await db.query<{
    uuid: string;
    kilde: string;
    niveau: number;
    brugervendtnoegle: string | null;
    enhedsnavn: string | null;
  }>(
    `WITH RECURSIVE direct AS (
       SELECT DISTINCT r.objekt_uuid AS uuid
       FROM oio_soegeindeks s JOIN oio_registrering r ON r.id = s.registrering_id
       WHERE ${taskMatch} AND s.felt = 'opgaver' AND s.kind = 'r' AND s.virkning @> ${T}
         AND r.objekttype = 'organisationenhed' AND ${current('r')} AND ${belongsTo('r', '$3')}
     ),
     ${descendants('tree', 'SELECT uuid FROM direct', `$5::boolean IS FALSE OR EXISTS (SELECT 1 FROM direct d WHERE d.uuid = c.objekt_uuid)`)},
     kilder AS (
       -- Each unit of the tree and the unit it has the task from (itself when direct).
       SELECT uuid, path[1] AS kilde, niveau FROM tree
     )
     SELECT k.uuid::text AS uuid, k.kilde::text AS kilde, k.niveau,
            ${attr('r', 'brugervendtnoegle')} AS brugervendtnoegle, ${attr('r', 'enhedsnavn')} AS enhedsnavn
     FROM kilder k JOIN oio_registrering r ON r.objekt_uuid = k.uuid AND r.objekttype = 'organisationenhed' AND ${current('r')}
     WHERE ${belongsTo('r', '$3')} AND ${inUnits('k.uuid', '$6')}
     ORDER BY brugervendtnoegle, k.uuid`,
    [at.registreringstid, at.virkningstid, organisation, 'uuid' in task ? task.uuid : task.urn, inherited, scope.units ?? null],
  );
  return rows.map((r) =>
    compact({
      uuid: r.uuid,
      brugervendtnoegle: r.brugervendtnoegle,
      enhedsnavn: r.enhedsnavn,
      arvet: Number(r.niveau) > 0,
      arvetfra: Number(r.niveau) > 0 ? r.kilde : null,
    }),
  );
}

export interface AddressValue {
  uuid?: string;
  urn?: string;
  rolle: string;
  type?: string;
  indeks?: number;
  /** The address's text at T, when the target is a stored address. */
  adressetekst?: string;
}

export interface UnitWithAddresses extends UnitRef {
  adresser: AddressValue[];
}

/**
 * The units of an organisation with an address of a role (a UUID or URN, compared without regard
 * to case) at T, each with those addresses. The role is read from the registration's stored
 * content (the search index does not hold a relation's role).
 */
export async function unitsWithAddressRole(
  db: Queryable,
  organisation: string,
  role: string,
  at: ReadAt,
  scope: ReadScope,
): Promise<UnitWithAddresses[]> {
  const { rows } = await db.query<{
    uuid: string;
    brugervendtnoegle: string | null;
    enhedsnavn: string | null;
    adresse: string | null;
    urn: string | null;
    rolle: string;
    type: string | null;
    indeks: number | null;
    adressetekst: string | null;
  }>(
    `SELECT r.objekt_uuid::text AS uuid, ${attr('r', 'brugervendtnoegle')} AS brugervendtnoegle, ${attr('r', 'enhedsnavn')} AS enhedsnavn,
            a.v->>'uuid' AS adresse, a.v->>'urn' AS urn, a.v->>'rolle' AS rolle, a.v->>'type' AS type, (a.v->>'indeks')::int AS indeks,
            ${attr('ad', 'adressetekst')} AS adressetekst
     FROM oio_soegeindeks s
     JOIN oio_registrering r ON r.id = s.registrering_id AND r.objekttype = 'organisationenhed' AND ${current('r')}
     CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.indhold->'relationer'->'adresser') = 'array'
                                                  THEN r.indhold->'relationer'->'adresser' ELSE '[]'::jsonb END) AS a(v)
     LEFT JOIN oio_registrering ad ON ad.objekt_uuid = (a.v->>'uuid')::uuid AND ad.objekttype = 'adresse' AND ${current('ad')}
     WHERE s.maal_uuid = $3::uuid AND s.felt = 'tilhoerer' AND s.kind = 'r' AND s.virkning @> ${T}
       AND lower(a.v->>'rolle') = lower($4) AND ${inUnits('r.objekt_uuid', '$5')}
       AND (a.v->'virkning'->>'from')::timestamptz <= ${T} AND (a.v->'virkning'->>'to')::timestamptz > ${T}
     ORDER BY brugervendtnoegle, r.objekt_uuid, indeks NULLS LAST, adresse, urn`,
    [at.registreringstid, at.virkningstid, organisation, role, scope.units ?? null],
  );
  const out: UnitWithAddresses[] = [];
  for (const r of rows) {
    let last = out[out.length - 1];
    if (last?.uuid !== r.uuid) {
      last = { ...compact({ uuid: r.uuid, brugervendtnoegle: r.brugervendtnoegle, enhedsnavn: r.enhedsnavn }), adresser: [] };
      out.push(last);
    }
    last.adresser.push(
      compact({
        uuid: r.adresse,
        urn: r.urn,
        rolle: r.rolle,
        type: r.type,
        indeks: r.indeks,
        adressetekst: r.adressetekst,
      }) as AddressValue,
    );
  }
  return out;
}
