/**
 * The OIO object model as data. An object type is a declaration: its attribute groups, its states
 * and its relations. Everything else (validation, merge, storage, search, REST routes, JSON
 * schemas) is derived from the declaration, so a new type is a declaration, not code.
 */

export interface AttributeGroupDecl {
  /** e.g. `organisationenhedegenskaber` */
  readonly name: string;
  /** Field names; every value is text. */
  readonly fields: readonly string[];
  /**
   * Several values may hold at one instant (e.g. a class's keywords). A repeated group is
   * replaced in full on update, like a 0..n relation.
   */
  readonly repeated?: boolean;
  /** Fields every value of the group must have (checked on the registration as it will be stored). */
  readonly required?: readonly string[];
}

export interface StateDecl {
  /** e.g. `organisationenhedgyldighed` */
  readonly name: string;
  /** The value's field, e.g. `gyldighed` */
  readonly field: string;
  readonly values: readonly string[];
}

export interface RelationDecl {
  readonly name: string;
  /** `0..1` holds one value per instant; `0..n` many. */
  readonly cardinality: '0..1' | '0..n';
  /** Object types a UUID target may have (by the target's declared type name); empty: any. */
  readonly targets?: readonly string[];
  /** The relation carries a role, a type (each a UUID or URN) and an index. */
  readonly qualified?: boolean;
}

export interface ObjectTypeDecl {
  /** The REST service: `organisation`, `klassifikation` … */
  readonly service: string;
  /** e.g. `organisationenhed` */
  readonly name: string;
  readonly attributes: readonly AttributeGroupDecl[];
  readonly states: readonly StateDecl[];
  readonly relations: readonly RelationDecl[];
  /**
   * The relation whose target is the responsible organisation, named in every event
   * (e.g. `tilhoerer`), or `self` when the object is the organisation.
   */
  readonly responsibleRelation?: string;
}

/** Instants as milliseconds since the epoch; open bounds are ±Infinity. */
export interface Virkning {
  readonly from: number;
  readonly to: number;
  readonly aktoerref?: string | undefined;
  readonly aktoertypekode?: string | undefined;
  readonly notetekst?: string | undefined;
}

export interface AttributeValue {
  readonly virkning: Virkning;
  readonly fields: Readonly<Record<string, string>>;
}

export interface StateValue {
  readonly virkning: Virkning;
  readonly value: string;
}

export interface RelationValue {
  readonly virkning: Virkning;
  readonly uuid?: string | undefined;
  readonly urn?: string | undefined;
  readonly objekttype?: string | undefined;
  readonly rolle?: string | undefined;
  readonly type?: string | undefined;
  readonly indeks?: number | undefined;
}

/** The content of one registration. A key present with an empty list means "cleared". */
export interface Content {
  readonly attributter: Readonly<Record<string, readonly AttributeValue[]>>;
  readonly tilstande: Readonly<Record<string, readonly StateValue[]>>;
  readonly relationer: Readonly<Record<string, readonly RelationValue[]>>;
}

export const LIFECYCLE_CODES = ['Opstaaet', 'Importeret', 'Passiveret', 'Slettet', 'Rettet'] as const;
export type Livscykluskode = (typeof LIFECYCLE_CODES)[number];

export const ACTOR_TYPES = [
  'Organisation',
  'OrganisationEnhed',
  'OrganisationFunktion',
  'Bruger',
  'ItSystem',
  'Interessefaellesskab',
] as const;

/** A registration as read back: its registration-time interval and its content. */
export interface Registrering {
  /** Registration time as PostgreSQL prints it (microseconds kept). */
  readonly fra: string;
  readonly til: string;
  readonly livscykluskode: Livscykluskode;
  readonly brugerref: string | null;
  readonly note: string | null;
  readonly content: Content;
}

export interface OioObject {
  readonly uuid: string;
  readonly objekttype: string;
  readonly registreringer: readonly Registrering[];
}

export const emptyContent = (): Content => ({ attributter: {}, tilstande: {}, relationer: {} });

/** The field names a search may name for a type: attribute fields, state fields, relations. */
export function searchableFields(decl: ObjectTypeDecl): {
  attributes: Set<string>;
  states: Map<string, StateDecl>;
  relations: Map<string, RelationDecl>;
} {
  return {
    attributes: new Set(decl.attributes.flatMap((g) => g.fields)),
    states: new Map(decl.states.map((s) => [s.field, s])),
    relations: new Map(decl.relations.map((r) => [r.name, r])),
  };
}
