import type { Content, RelationValue } from '../../../oio/model.ts';

/**
 * A caller's KLE restriction in the forms the statements take: LoRa search patterns (for the OIO
 * search's `attributeAny` criterion) and SQL values (exact numbers, LIKE prefixes). `27.*` is the
 * number `27` itself and every number below it (`27.%`), as `kleAllowed` reads it.
 */
export interface KleScope {
  readonly lora: readonly string[];
  readonly exact: readonly string[];
  readonly prefixes: readonly string[];
}

// KLE numbers and action facets: digits and capital letters between full stops; `.*` ends a prefix.
const PATTERN = /^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*(\.\*)?$/;

/**
 * The scope of a caller's KLE restriction; undefined when it has none (an empty list restricts
 * nothing). A pattern of another shape matches nothing, so a restriction never widens: one with
 * no usable pattern finds no class at all.
 */
export function kleScope(kle: readonly string[]): KleScope | undefined {
  if (kle.length === 0) return undefined;
  const usable = kle.filter((p) => PATTERN.test(p));
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const p of usable) {
    if (p.endsWith('.*')) {
      exact.push(p.slice(0, -2));
      prefixes.push(`${p.slice(0, -1)}%`);
    } else exact.push(p);
  }
  // Neither form needs escaping: the shape above holds no wildcard, underscore or backslash.
  return { lora: [...exact, ...prefixes], exact, prefixes };
}

/** The KLE numbers (`brugervendtnoegle`) a class's content holds, in any of its values. */
export function kleNumbers(content: Content): string[] {
  return (content.attributter.klasseegenskaber ?? []).flatMap((v) => (v.fields.brugervendtnoegle ? [v.fields.brugervendtnoegle] : []));
}

/**
 * Who owns an object, as its `ejer` relation says in any virkning: `national` when no value names
 * anyone (KLE and other national data); the owners it names by UUID; and whether a value names
 * one only by URN, which no check can tie to a municipality.
 */
export interface OwnerClaim {
  readonly national: boolean;
  readonly owners: readonly string[];
  readonly unverifiable: boolean;
}

/** The {@link OwnerClaim} of an `ejer` relation's values (a value without uuid or urn clears it for its virkning). */
export function ownerClaim(ejer: readonly RelationValue[] | undefined): OwnerClaim {
  const naming = (ejer ?? []).filter((v) => v.uuid || v.urn);
  return {
    national: naming.length === 0,
    owners: [...new Set(naming.flatMap((v) => (v.uuid ? [v.uuid.toLowerCase()] : [])))],
    unverifiable: naming.some((v) => !v.uuid),
  };
}
