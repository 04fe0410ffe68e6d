import type { AttributeValue, Content, ObjectTypeDecl, RelationValue, StateValue, Virkning } from '../model.ts';
import { outside, overlaps, uncovered } from './virkning.ts';

/** Values whose virkning is cut away where `cut` holds, keeping the rest of each. */
function clip<T extends { virkning: Virkning }>(values: readonly T[], cut: Virkning): T[] {
  return values.flatMap((v) => outside(v.virkning, cut).map((virkning) => ({ ...v, virkning })));
}

/** Incoming values replace the current ones where they hold; elsewhere the current ones stay. */
function replaceWhere<T extends { virkning: Virkning }>(current: readonly T[], incoming: readonly T[]): T[] {
  let result = [...current];
  for (const value of incoming) result = [...clip(result, value.virkning), value];
  return sortByFrom(result);
}

/**
 * Attribute values merge field by field: where an incoming value holds, each current value keeps
 * the fields the update does not name; where no current value holds, the incoming value stands alone.
 */
function mergeAttributes(current: readonly AttributeValue[], incoming: readonly AttributeValue[]): AttributeValue[] {
  let result = [...current];
  for (const inc of incoming) {
    const span = inc.virkning;
    const next: AttributeValue[] = [];
    for (const cur of result) {
      if (!overlaps(cur.virkning, span)) {
        next.push(cur);
        continue;
      }
      for (const virkning of outside(cur.virkning, span)) next.push({ ...cur, virkning });
      next.push({
        fields: { ...cur.fields, ...inc.fields },
        virkning: { ...span, from: Math.max(cur.virkning.from, span.from), to: Math.min(cur.virkning.to, span.to) },
      });
    }
    for (const gap of uncovered(
      span,
      result.map((r) => r.virkning),
    )) {
      next.push({ fields: inc.fields, virkning: { ...span, ...gap } });
    }
    result = next;
  }
  return sortByFrom(result);
}

function sortByFrom<T extends { virkning: Virkning }>(values: T[]): T[] {
  return values.sort((a, b) => a.virkning.from - b.virkning.from);
}

/**
 * The Ret (update) merge, as LoRa documents it:
 * - an omitted attribute group, state or relation is unchanged;
 * - a sent empty list clears it;
 * - attributes merge field by field within the incoming virkning, states and 0..1 relations are
 *   replaced within it, and outside it the current values are kept;
 * - a 0..n relation (and a repeated attribute group) that is sent is replaced in full.
 */
export function mergeContent(decl: ObjectTypeDecl, current: Content, update: Content): Content {
  const attributter: Record<string, readonly AttributeValue[]> = { ...current.attributter };
  for (const group of decl.attributes) {
    const inc = update.attributter[group.name];
    if (inc === undefined) continue;
    attributter[group.name] = inc.length === 0 || group.repeated ? inc : mergeAttributes(current.attributter[group.name] ?? [], inc);
  }
  const tilstande: Record<string, readonly StateValue[]> = { ...current.tilstande };
  for (const state of decl.states) {
    const inc = update.tilstande[state.name];
    if (inc === undefined) continue;
    tilstande[state.name] = inc.length === 0 ? inc : replaceWhere(current.tilstande[state.name] ?? [], inc);
  }
  const relationer: Record<string, readonly RelationValue[]> = { ...current.relationer };
  for (const rel of decl.relations) {
    const inc = update.relationer[rel.name];
    if (inc === undefined) continue;
    relationer[rel.name] = inc.length === 0 || rel.cardinality === '0..n' ? inc : replaceWhere(current.relationer[rel.name] ?? [], inc);
  }
  return { attributter, tilstande, relationer };
}

/** Whether the content holds any value at all. */
export function hasValues(content: Content): boolean {
  return [content.attributter, content.tilstande, content.relationer].some((part) => Object.values(part).some((list) => list.length > 0));
}
