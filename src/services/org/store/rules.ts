import type { Content, Virkning } from '../../../oio/model.ts';
import { dbInstantToMs, formatInstant } from '../../../oio/domain/time.ts';
import { uncovered } from '../../../oio/domain/virkning.ts';
import type { ContentRule, ContentRules } from '../../../oio/store/oio-store.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { orgError } from '../errors.ts';
import { isValidCpr } from '../domain/cpr.ts';
import { currentNow } from '../../../oio/store/read-surface.ts';

/**
 * FK Organisation's own rules over the registration about to be written (the OIO store runs them
 * inside the write's transaction, after the merge and before the write; see ContentRule). The
 * store has already checked the content's shape and, in the same write, the types of relation
 * targets; these are the register's rules on top.
 *
 * The rules that look at other objects (a unit's parents, the type of an `ansatte` target) query
 * the transaction they are handed, so they see what it has written so far.
 */

const span = (v: { from: number; to: number }) => `[${formatInstant(v.from)}, ${formatInstant(v.to)})`;

/**
 * A unit or user belongs to exactly one organisation at every instant it exists, and it exists
 * where its egenskaber hold (or, with no egenskaber at all, where its gyldighed state holds).
 * "At most one" is the 0..1 cardinality the store checks; this checks "at least one".
 */
function tilhoererRequired(egenskaber: string, gyldighed: string): ContentRule {
  return ({ content }) => {
    const exists: readonly { virkning: Virkning }[] = content.attributter[egenskaber]?.length
      ? content.attributter[egenskaber]!
      : (content.tilstande[gyldighed] ?? []);
    const owners = (content.relationer.tilhoerer ?? []).map((v) => v.virkning);
    for (const value of exists) {
      const gap = uncovered(value.virkning, owners)[0];
      if (gap) {
        throw orgError('TILHOERER_REQUIRED', `No organisation (tilhoerer) holds in ${span(gap)}, where the object exists`, {
          field: 'tilhoerer',
          from: formatInstant(gap.from),
          to: formatInstant(gap.to),
        });
      }
    }
  };
}

function refuseRelation(content: Content, relation: string, why: string): void {
  if ((content.relationer[relation] ?? []).length > 0) throw orgError('USER_ATTACHED_DIRECTLY', why, { field: relation });
}

/**
 * A unit never names a user directly, neither as `tilknyttedebrugere` nor among its `ansatte`
 * (which may name persons): users reach units through organisation functions. An `ansatte` value
 * names a user when it says so (`objekttype`) or points to a stored bruger.
 */
/** The checks of a unit's own content; the UUIDs its `ansatte` name, for the caller to look up. */
function unitAnsatte(content: Content): string[] {
  refuseRelation(content, 'tilknyttedebrugere', 'A unit cannot name users directly; attach them through an organisationfunktion');
  const ansatte = content.relationer.ansatte ?? [];
  if (ansatte.some((v) => v.objekttype?.toLowerCase() === 'bruger')) {
    throw orgError('USER_ATTACHED_DIRECTLY', 'A unit cannot have users among its ansatte; attach them through an organisationfunktion', {
      field: 'ansatte',
    });
  }
  return [...new Set(ansatte.flatMap((v) => (v.uuid ? [v.uuid.toLowerCase()] : [])))];
}

const userAmongAnsatte = (user: string) =>
  orgError('USER_ATTACHED_DIRECTLY', `ansatte names the user ${user}; attach users through an organisationfunktion`, { field: 'ansatte' });

/** The stored users among these UUIDs. */
async function storedUsers(tx: Queryable, uuids: readonly string[]): Promise<Set<string>> {
  if (uuids.length === 0) return new Set();
  const { rows } = await tx.query<{ uuid: string }>(
    `SELECT uuid::text AS uuid FROM oio_objekt WHERE uuid = ANY($1::uuid[]) AND objekttype = 'bruger'`,
    [uuids],
  );
  return new Set(rows.map((r) => r.uuid));
}

const unitWithoutUsers: ContentRule = Object.assign(
  async ({ content, tx }: Parameters<ContentRule>[0]) => {
    const user = [...(await storedUsers(tx, unitAnsatte(content)))][0];
    if (user) throw userAmongAnsatte(user);
  },
  {
    async batch({ items, tx }: { items: readonly { uuid: string; content: Content }[]; tx: Queryable }) {
      const named = new Map<string, string[]>();
      for (const item of items) {
        try {
          named.set(item.uuid, unitAnsatte(item.content));
        } catch (error) {
          return { uuid: item.uuid, error };
        }
      }
      const users = await storedUsers(tx, [...new Set([...named.values()].flat())]);
      for (const [uuid, targets] of named) {
        const user = targets.find((t) => users.has(t));
        if (user) return { uuid, error: userAmongAnsatte(user) };
      }
      return undefined;
    },
  },
);

const userWithoutUnits: ContentRule = ({ content }) =>
  refuseRelation(content, 'tilknyttedeenheder', 'A user cannot name units directly; attach it through an organisationfunktion');

/** Every advisory lock taken by a write that gives a unit a parent: such writes take turns. */
export const UNIT_TREE_LOCK = 'organisation:enhedstrae';

/**
 * Walks up from the new parents of `self` through the current registrations of the other units,
 * keeping at each step the part of virkning where the whole path holds, and stops when it reaches
 * `self`: such a row is an instant at which the tree would be a cycle. One statement whatever the
 * depth. Rows are (unit, period) and UNION drops repeats, so the walk ends even on stored data
 * that already has a cycle elsewhere (the periods only shrink, and there are finitely many).
 * Deleted units are not part of the tree; passivated ones are.
 */
const CYCLE_SQL = `
WITH RECURSIVE op(enhed, virkning) AS (
  SELECT x.maal, tstzrange(x.fra::timestamptz, x.til::timestamptz, '[)')
  FROM jsonb_to_recordset($1::jsonb) AS x(maal uuid, fra text, til text)
  UNION
  SELECT s.maal_uuid, op.virkning * s.virkning
  FROM op
  JOIN oio_registrering r ON r.objekt_uuid = op.enhed AND ${currentNow('r')}
  JOIN oio_soegeindeks s ON s.registrering_id = r.id
  WHERE op.enhed <> $2::uuid
    AND r.objekttype = 'organisationenhed' AND r.livscykluskode <> 'Slettet'
    AND s.kind = 'r' AND s.felt = 'overordnet' AND s.maal_uuid IS NOT NULL
    AND s.virkning && op.virkning
)
SELECT to_json(lower(virkning))#>>'{}' AS fra, to_json(upper(virkning))#>>'{}' AS til
FROM op WHERE enhed = $2::uuid ORDER BY lower(virkning) LIMIT 1`;

/**
 * CYCLE_SQL for many units at once, after they are written: from each unit's parents up through
 * the current registrations (the batch's own included) until the walk comes back to the unit.
 */
const BATCH_CYCLE_SQL = `
WITH RECURSIVE op(self, enhed, virkning) AS (
  SELECT x.self, x.maal, tstzrange(x.fra::timestamptz, x.til::timestamptz, '[)')
  FROM jsonb_to_recordset($1::jsonb) AS x(self uuid, maal uuid, fra text, til text)
  UNION
  SELECT op.self, s.maal_uuid, op.virkning * s.virkning
  FROM op
  JOIN oio_registrering r ON r.objekt_uuid = op.enhed AND ${currentNow('r')}
  JOIN oio_soegeindeks s ON s.registrering_id = r.id
  WHERE op.enhed <> op.self
    AND r.objekttype = 'organisationenhed' AND r.livscykluskode <> 'Slettet'
    AND s.kind = 'r' AND s.felt = 'overordnet' AND s.maal_uuid IS NOT NULL
    AND s.virkning && op.virkning
)
SELECT self::text AS self, to_json(lower(virkning))#>>'{}' AS fra, to_json(upper(virkning))#>>'{}' AS til
FROM op WHERE enhed = self ORDER BY self, lower(virkning) LIMIT 1`;

/** Whether the unit's parents would make a cycle at some instant; the first such period, if so. */
export async function findUnitCycle(
  tx: Queryable,
  self: string,
  parents: readonly { uuid: string; virkning: { from: number; to: number } }[],
): Promise<{ from: string; to: string } | undefined> {
  if (parents.length === 0) return undefined;
  const seed = parents.map((p) => ({ maal: p.uuid, fra: formatInstant(p.virkning.from), til: formatInstant(p.virkning.to) }));
  const { rows } = await tx.query<{ fra: string; til: string }>(CYCLE_SQL, [JSON.stringify(seed), self]);
  const found = rows[0];
  return found ? { from: formatInstant(dbInstantToMs(found.fra)), to: formatInstant(dbInstantToMs(found.til)) } : undefined;
}

/**
 * No unit is its own ancestor at any instant, following each unit's parent (overordnet) as it
 * changes over virkning. Writes that give a unit a parent take the tree's advisory lock first, so
 * two concurrent writes cannot each add half of a cycle unseen by the other (under READ COMMITTED
 * the check after the lock sees what the previous holder committed).
 */
function parentsOf(content: Content): { uuid: string; virkning: Virkning }[] {
  return (content.relationer.overordnet ?? []).flatMap((v) => (v.uuid ? [{ uuid: v.uuid.toLowerCase(), virkning: v.virkning }] : []));
}

function cycleError(cycle: { from: string; to: string }) {
  return orgError('UNIT_CYCLE', `The unit would be its own ancestor in [${cycle.from}, ${cycle.to})`, {
    field: 'overordnet',
    from: cycle.from,
    to: cycle.to,
  });
}

/** The parent values as a comparable key: the same parents over the same periods give the same key. */
function parentsKey(parents: readonly { uuid: string; virkning: Virkning }[]): string {
  return parents
    .map((p) => `${p.uuid} ${p.virkning.from} ${p.virkning.to}`)
    .sort()
    .join('|');
}

const noUnitCycleEach = async ({ uuid, action, content, previous, tx }: Parameters<ContentRule>[0]) => {
  const self = uuid.toLowerCase();
  const parents = parentsOf(content);
  // A write that keeps the unit's parents as they were (a rename, a new address) cannot make a
  // cycle: no lock, no walk.
  if (previous && parentsKey(parents) === parentsKey(parentsOf(previous))) return;
  if (parents.length === 0) return;
  const own = parents.find((p) => p.uuid === self);
  if (own) {
    throw orgError('UNIT_CYCLE', `The unit would be its own parent in ${span(own.virkning)}`, {
      field: 'overordnet',
      from: formatInstant(own.virkning.from),
      to: formatInstant(own.virkning.to),
    });
  }
  // A new unit closes a cycle only if some unit already names it as parent. Its UUID is new (the
  // server makes it), so no other write can name it before this one commits; when no stored unit
  // names it either, its parents cannot lead back to it: no lock, no walk, and new units are
  // written side by side instead of one at a time.
  if (action === 'opret' && !(await namedAsParent(tx, self))) return;
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [UNIT_TREE_LOCK]);
  const cycle = await findUnitCycle(tx, self, parents);
  if (cycle) throw cycleError(cycle);
};

/** Whether any registration names the unit as `overordnet` (at any time, in any registration). */
async function namedAsParent(tx: Queryable, unit: string): Promise<boolean> {
  const { rows } = await tx.query<{ named: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM oio_soegeindeks WHERE maal_uuid = $1::uuid AND kind = 'r' AND felt = 'overordnet') AS named`,
    [unit],
  );
  return rows[0]!.named;
}

const noUnitCycle: ContentRule = Object.assign(noUnitCycleEach, {
  async batch({ items, tx }: { items: readonly { uuid: string; content: Content }[]; tx: Queryable }) {
    const seed = items.flatMap((item) =>
      parentsOf(item.content).map((p) => ({
        self: item.uuid.toLowerCase(),
        maal: p.uuid,
        fra: formatInstant(p.virkning.from),
        til: formatInstant(p.virkning.to),
      })),
    );
    if (seed.length === 0) return undefined;
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [UNIT_TREE_LOCK]);
    const { rows } = await tx.query<{ self: string; fra: string; til: string }>(BATCH_CYCLE_SQL, [JSON.stringify(seed)]);
    const found = rows[0];
    if (!found) return undefined;
    const cycle = { from: formatInstant(dbInstantToMs(found.fra)), to: formatInstant(dbInstantToMs(found.til)) };
    return { uuid: found.self, error: cycleError(cycle) };
  },
});

/** A person's CPR number, where given (an empty value clears it), is a possible CPR number. */
const personCpr: ContentRule = ({ content }) => {
  for (const value of content.attributter.personegenskaber ?? []) {
    const cpr = value.fields.cpr_nummer;
    // The message never repeats the number: error messages reach the logs.
    if (cpr !== undefined && cpr !== '' && !isValidCpr(cpr)) {
      throw orgError('INVALID_CPR', `personegenskaber: cpr_nummer in ${span(value.virkning)} is not a CPR number`, {
        field: 'personegenskaber.cpr_nummer',
      });
    }
  }
};

/**
 * FK Organisation's rules per object type. Organisation functions have none of their own: a
 * function may be written before the users and units it will link (the store already checks the
 * types of its targets).
 */
export const orgRules: ContentRules = {
  organisationenhed: [tilhoererRequired('organisationenhedegenskaber', 'organisationenhedgyldighed'), unitWithoutUsers, noUnitCycle],
  bruger: [tilhoererRequired('brugeregenskaber', 'brugergyldighed'), userWithoutUnits],
  person: [personCpr],
};
