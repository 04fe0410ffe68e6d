/**
 * Which objects belong to an organisation, by type: the relations that make an object a member of
 * its organisation, and those by which members reach persons and addresses. The hierarchy reads
 * members by them, and the municipality limits judge a person or an address without its own
 * `tilhoerer` by who points to it.
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
export const OWN_RELATION: Partial<Record<HierarchyType, string>> = {
  adresse: 'tilhoerer',
  bruger: 'tilhoerer',
  interessefaellesskab: 'tilhoerer',
  itsystem: 'tilhoerer',
  organisationenhed: 'tilhoerer',
  organisationfunktion: 'tilknyttedeorganisationer',
  person: 'tilhoerer',
};

/** Types reached from members, and the members' relations that reach them. */
export const REACHED_BY: Partial<Record<HierarchyType, readonly string[]>> = {
  adresse: ['adresser'],
  person: ['tilknyttedepersoner', 'ansatte'],
};

/** The member types that reach others (everything with an own relation, and the organisation). */
export const REACHING_TYPES = ['bruger', 'interessefaellesskab', 'itsystem', 'organisation', 'organisationenhed', 'organisationfunktion'];

/** Every relation that makes an object a member (`tilhoerer`, `tilknyttedeorganisationer`). */
export const OWN_RELATIONS: readonly string[] = [...new Set(Object.values(OWN_RELATION))];

/** The relations by which members point to the persons and addresses they reach. */
export const POINTED_BY: readonly string[] = [...new Set(Object.values(REACHED_BY).flat())];

/** The types a member may reach: persons and addresses. */
export const POINTED_TYPES: ReadonlySet<string> = new Set(Object.keys(REACHED_BY));

/**
 * The relation that makes an object of `alias`'s type a member of its organisation, as SQL over
 * the registration `alias` (a text: `tilhoerer`, or a function's `tilknyttedeorganisationer`).
 * Written from {@link OWN_RELATION}, so the statements that judge ownership share its one rule.
 */
export function ownRelationSql(alias: string): string {
  const other = Object.entries(OWN_RELATION).filter(([, rel]) => rel !== 'tilhoerer');
  return `(CASE ${other.map(([type, rel]) => `WHEN ${alias}.objekttype = '${type}' THEN '${rel}'`).join(' ')} ELSE 'tilhoerer' END)`;
}
