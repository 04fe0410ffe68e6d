import { Type } from '@sinclair/typebox';
import type { WireObject } from '../domain/wire.ts';
import type { ObjectTypeDecl } from '../model.ts';
import type { Query } from './query.ts';

/**
 * JSON schemas derived from a type's declaration: they validate bodies and document the API. The
 * schemas of a route's parts are TypeBox's `Unsafe`, which ties a schema built here to the type
 * its handler reads (the declaration decides the members, so TypeBox cannot spell them).
 */

const str = { type: 'string' } as const;

const virkning = {
  type: 'object',
  properties: {
    from: { type: 'string', description: 'ISO 8601 with offset, a date (Danish midnight), or -infinity' },
    to: { type: 'string', description: 'ISO 8601 with offset, a date, or infinity' },
    from_included: { type: 'boolean', description: 'Always true: intervals are [from, to)' },
    to_included: { type: 'boolean', description: 'Always false' },
    aktoerref: str,
    aktoertypekode: str,
    notetekst: str,
  },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;

function attributeValue(fields: readonly string[]) {
  return {
    type: 'object',
    properties: { ...Object.fromEntries(fields.map((f) => [f, str])), virkning },
    required: ['virkning'],
    additionalProperties: false,
  };
}

function stateValue(field: string, values: readonly string[]) {
  return {
    type: 'object',
    properties: { [field]: { type: 'string', description: `One of ${values.join(', ')}` }, virkning },
    required: [field, 'virkning'],
    additionalProperties: false,
  };
}

function relationValue(qualified: boolean) {
  return {
    type: 'object',
    properties: {
      uuid: { type: 'string', format: 'uuid' },
      urn: str,
      objekttype: str,
      ...(qualified ? { rolle: str, type: str, indeks: { type: 'integer' } } : {}),
      virkning,
    },
    required: ['virkning'],
    additionalProperties: false,
  };
}

/** The registration content: attributter, tilstande, relationer. */
export function contentSchema(decl: ObjectTypeDecl) {
  return {
    attributter: {
      type: 'object',
      properties: Object.fromEntries(decl.attributes.map((g) => [g.name, { type: 'array', items: attributeValue(g.fields) }])),
      additionalProperties: false,
    },
    tilstande: {
      type: 'object',
      properties: Object.fromEntries(decl.states.map((s) => [s.name, { type: 'array', items: stateValue(s.field, s.values) }])),
      additionalProperties: false,
    },
    relationer: {
      type: 'object',
      properties: Object.fromEntries(
        decl.relations.map((r) => [
          r.name,
          {
            type: 'array',
            items: relationValue(!!r.qualified),
            description: `${r.cardinality}${r.targets?.length ? `; targets: ${r.targets.join(', ')}` : ''}`,
          },
        ]),
      ),
      additionalProperties: false,
    },
  };
}

/** A LoRa body as code before the handler reads it: its members are checked by contentFromWire. */
export const WireBody = Type.Record(Type.String(), Type.Unknown());

/** POST (opret) and PUT (importer) bodies. */
export function writeBodySchema(decl: ObjectTypeDecl) {
  return Type.Unsafe<WireObject & { note?: string }>({
    type: 'object',
    properties: { ...contentSchema(decl), note: str },
    additionalProperties: false,
  });
}

/** PATCH: an update (ret) or, with `livscyklus: "Passiv"`, passivation. */
export function patchBodySchema(decl: ObjectTypeDecl) {
  return Type.Unsafe<WireObject & { note?: string; livscyklus?: 'Passiv' }>({
    type: 'object',
    properties: { ...contentSchema(decl), note: str, livscyklus: { type: 'string', enum: ['Passiv'] } },
    additionalProperties: false,
  });
}

/** DELETE: an optional body (absent, Fastify validates it as null). */
export const deleteBodySchema = Type.Unsafe<{ note?: string } | null | undefined>({
  type: ['object', 'null'],
  properties: { note: str },
  additionalProperties: false,
});

export const uuidResponse = Type.Object({ uuid: Type.String({ format: 'uuid' }) });

const timepoint = { type: 'object', properties: { tidsstempeldatotid: str, graenseindikator: { type: 'boolean' } } } as const;

/** One object as read: its UUID and its registrations. */
export function objectSchema(decl: ObjectTypeDecl) {
  return {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      registreringer: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            fratidspunkt: timepoint,
            tiltidspunkt: timepoint,
            livscykluskode: { type: 'string', enum: ['Opstaaet', 'Importeret', 'Passiveret', 'Slettet', 'Rettet'] },
            brugerref: { type: ['string', 'null'] },
            note: { type: ['string', 'null'] },
            ...contentSchema(decl),
          },
        },
      },
    },
  };
}

/** Query parameters shared by read, list and search. */
export const timeParameters = [
  'virkningFra',
  'virkningTil',
  'virkningstid',
  'registreretFra',
  'registreretTil',
  'registreringstid',
] as const;
export const searchParameters = [
  'livscykluskode',
  'brugerref',
  'notetekst',
  'note',
  'vilkaarligattr',
  'vilkaarligrel',
  'bvn',
  'foersteresultat',
  'maximalantalresultater',
  'cursor',
  'list',
] as const;

const oneOrMany = { anyOf: [str, { type: 'array', items: str }] } as const;

/** GET on the collection: list by uuid, or search by any declared field. Unknown names are refused. */
export function collectionQuerySchema(decl: ObjectTypeDecl) {
  const fields = new Set<string>([
    ...decl.attributes.flatMap((g) => g.fields),
    ...decl.states.map((s) => s.field),
    ...decl.relations.map((r) => r.name),
  ]);
  return Type.Unsafe<Query>({
    type: 'object',
    properties: {
      uuid: { ...oneOrMany, description: 'List these objects (repeat the parameter for many)' },
      ...Object.fromEntries([...timeParameters, ...searchParameters, ...fields].map((name) => [name, oneOrMany])),
    },
    // `relation:objekttype=target` narrows a relation search to one target object type.
    patternProperties: { [`^(${decl.relations.map((r) => r.name).join('|')}|vilkaarligrel):[A-Za-z0-9_-]+$`]: oneOrMany },
    additionalProperties: false,
  });
}

export function readQuerySchema() {
  return Type.Unsafe<Query>({
    type: 'object',
    properties: Object.fromEntries(timeParameters.map((name) => [name, oneOrMany])),
    additionalProperties: false,
  });
}
