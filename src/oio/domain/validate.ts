import { platformError } from '../../platform/errors.ts';
import { oioError } from '../errors.ts';
import type { Content, ObjectTypeDecl, Virkning } from '../model.ts';
import { firstOverlap } from './virkning.ts';
import { formatInstant } from './time.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

function describe(v: Virkning): string {
  return `[${formatInstant(v.from)}, ${formatInstant(v.to)})`;
}

function checkOverlap(where: string, values: readonly { virkning: Virkning }[]): void {
  const pair = firstOverlap(values);
  if (pair) {
    throw oioError(
      'OVERLAPPING_VIRKNING',
      `${where}: values with virkning ${describe(pair[0].virkning)} and ${describe(pair[1].virkning)} overlap, but only one may hold at a time`,
      { field: where },
    );
  }
}

/**
 * Checks the rules a registration's content must keep whatever the operation: every virkning
 * non-empty, one value at a time where the type says so, required fields present (unless
 * `partial`: an update's fragment), relation targets well formed, state values from their list.
 * Throws the specific error.
 */
export function validateContent(decl: ObjectTypeDecl, content: Content, options: { partial?: boolean } = {}): void {
  for (const group of decl.attributes) {
    const values = content.attributter[group.name] ?? [];
    values.forEach((v) => checkInterval(group.name, v.virkning));
    // An update names only what it changes; the merged registration is checked in full.
    if (group.required && !options.partial) {
      for (const v of values) {
        const missing = group.required.find((f) => v.fields[f] === undefined || v.fields[f] === '');
        if (missing !== undefined) {
          throw oioError('MISSING_REQUIRED_FIELD', `${group.name}: every value needs ${missing}`, { field: `${group.name}.${missing}` });
        }
      }
    }
    if (!group.repeated) checkOverlap(group.name, values);
  }
  for (const state of decl.states) {
    const values = content.tilstande[state.name] ?? [];
    for (const v of values) {
      checkInterval(state.name, v.virkning);
      if (!state.values.includes(v.value)) {
        throw oioError('INVALID_STATE_VALUE', `${state.name}: "${v.value}" is not one of ${state.values.join(', ')}`, {
          field: state.name,
        });
      }
    }
    checkOverlap(state.name, values);
  }
  for (const rel of decl.relations) {
    const values = content.relationer[rel.name] ?? [];
    for (const v of values) {
      checkInterval(rel.name, v.virkning);
      if ((v.uuid === undefined) === (v.urn === undefined)) {
        throw oioError('INVALID_RELATION_TARGET', `${rel.name}: a relation value needs exactly one of uuid and urn`, { field: rel.name });
      }
      if (v.uuid !== undefined && !isUuid(v.uuid))
        throw platformError('INVALID_UUID', `${rel.name}: "${v.uuid}" is not a UUID`, { field: rel.name });
    }
    if (rel.cardinality === '0..1') checkOverlap(rel.name, values);
  }
}

function checkInterval(where: string, v: Virkning): void {
  if (!(v.from < v.to)) {
    throw oioError(
      'INVALID_VIRKNING_INTERVAL',
      `${where}: virkning from ${formatInstant(v.from)} is not before to ${formatInstant(v.to)}`,
      {
        field: where,
      },
    );
  }
}
