import { state, zeroOrMany, zeroOrOne } from '../../../oio/declare.ts';
import type { ObjectTypeDecl } from '../../../oio/model.ts';

const gyldighed = (type: string) => state(`${type}gyldighed`, 'gyldighed', ['Aktiv', 'Inaktiv']);

/** The "tilknyttede…" relations most organisation types carry. */
const associated = (...kinds: [string, string][]) => kinds.map(([name, target]) => zeroOrMany(`tilknyttede${name}`, [target]));

/** OrganisationEnhed: a unit in the municipality's tree (overordnet is the parent unit). */
export const organisationenhed: ObjectTypeDecl = {
  service: 'organisation',
  name: 'organisationenhed',
  attributes: [{ name: 'organisationenhedegenskaber', fields: ['brugervendtnoegle', 'enhedsnavn'], required: ['brugervendtnoegle'] }],
  states: [gyldighed('organisationenhed')],
  relations: [
    zeroOrOne('branche'),
    zeroOrOne('enhedstype', ['klasse']),
    zeroOrOne('overordnet', ['organisationenhed', 'organisation']),
    zeroOrOne('produktionsenhed'),
    zeroOrOne('skatteenhed'),
    zeroOrOne('tilhoerer', ['organisation']),
    zeroOrMany('adresser', ['adresse'], true),
    zeroOrMany('ansatte', ['bruger', 'person']),
    zeroOrMany('opgaver', ['klasse'], true),
    ...associated(
      ['brugere', 'bruger'],
      ['enheder', 'organisationenhed'],
      ['funktioner', 'organisationfunktion'],
      ['interessefaellesskaber', 'interessefaellesskab'],
      ['organisationer', 'organisation'],
      ['personer', 'person'],
      ['itsystemer', 'itsystem'],
    ),
  ],
  responsibleRelation: 'tilhoerer',
};

/** OrganisationFunktion: ties users to units (an employment, a role), never a user to a unit directly. */
export const organisationfunktion: ObjectTypeDecl = {
  service: 'organisation',
  name: 'organisationfunktion',
  attributes: [{ name: 'organisationfunktionegenskaber', fields: ['brugervendtnoegle', 'funktionsnavn'] }],
  states: [gyldighed('organisationfunktion')],
  relations: [
    zeroOrOne('funktionstype', ['klasse']),
    zeroOrMany('adresser', ['adresse'], true),
    zeroOrMany('opgaver', ['klasse'], true),
    ...associated(
      ['brugere', 'bruger'],
      ['enheder', 'organisationenhed'],
      ['organisationer', 'organisation'],
      ['itsystemer', 'itsystem'],
      ['interessefaellesskaber', 'interessefaellesskab'],
      ['personer', 'person'],
    ),
  ],
  responsibleRelation: 'tilknyttedeorganisationer',
};

/** Bruger: a user account of the municipality. */
export const bruger: ObjectTypeDecl = {
  service: 'organisation',
  name: 'bruger',
  attributes: [{ name: 'brugeregenskaber', fields: ['brugervendtnoegle', 'brugernavn', 'brugertype'] }],
  states: [gyldighed('bruger')],
  relations: [
    zeroOrOne('tilhoerer', ['organisation']),
    zeroOrMany('adresser', ['adresse'], true),
    zeroOrMany('brugertyper', ['klasse']),
    zeroOrMany('opgaver', ['klasse'], true),
    ...associated(
      ['enheder', 'organisationenhed'],
      ['funktioner', 'organisationfunktion'],
      ['interessefaellesskaber', 'interessefaellesskab'],
      ['organisationer', 'organisation'],
      ['personer', 'person'],
      ['itsystemer', 'itsystem'],
    ),
  ],
  responsibleRelation: 'tilhoerer',
};

/** Person: a natural person (CPR number and name) that users belong to. */
export const person: ObjectTypeDecl = {
  service: 'organisation',
  name: 'person',
  attributes: [{ name: 'personegenskaber', fields: ['brugervendtnoegle', 'cpr_nummer', 'navn'] }],
  states: [gyldighed('person')],
  relations: [zeroOrOne('tilhoerer', ['organisation'])],
  responsibleRelation: 'tilhoerer',
};

/** Adresse: an address value (e-mail, phone, postal, EAN, SOR, P-number …); the kind is the pointing relation's role. */
export const adresse: ObjectTypeDecl = {
  service: 'organisation',
  name: 'adresse',
  attributes: [{ name: 'adresseegenskaber', fields: ['brugervendtnoegle', 'adressetekst'] }],
  states: [gyldighed('adresse')],
  relations: [zeroOrOne('tilhoerer', ['organisation'])],
  responsibleRelation: 'tilhoerer',
};

/** ItSystem: an IT system the municipality uses. */
export const itsystem: ObjectTypeDecl = {
  service: 'organisation',
  name: 'itsystem',
  attributes: [
    { name: 'itsystemegenskaber', fields: ['brugervendtnoegle', 'itsystemnavn', 'itsystemtype'] },
    { name: 'itsystemkonfigurationreferencer', fields: ['konfigurationreference'], repeated: true },
  ],
  states: [gyldighed('itsystem')],
  relations: [
    zeroOrOne('tilhoerer', ['organisation']),
    zeroOrMany('systemtyper', ['klasse']),
    zeroOrMany('opgaver', ['klasse'], true),
    zeroOrMany('adresser', ['adresse'], true),
    ...associated(
      ['brugere', 'bruger'],
      ['enheder', 'organisationenhed'],
      ['funktioner', 'organisationfunktion'],
      ['organisationer', 'organisation'],
      ['interessefaellesskaber', 'interessefaellesskab'],
      ['personer', 'person'],
    ),
  ],
  responsibleRelation: 'tilhoerer',
};

/** Interessefaellesskab: a community of interest across units. */
export const interessefaellesskab: ObjectTypeDecl = {
  service: 'organisation',
  name: 'interessefaellesskab',
  attributes: [
    { name: 'interessefaellesskabegenskaber', fields: ['brugervendtnoegle', 'interessefaellesskabsnavn', 'interessefaellesskabstype'] },
  ],
  states: [gyldighed('interessefaellesskab')],
  relations: [
    zeroOrOne('branche'),
    zeroOrOne('overordnet', ['interessefaellesskab', 'organisation']),
    zeroOrOne('tilhoerer', ['organisation']),
    zeroOrMany('adresser', ['adresse'], true),
    zeroOrMany('opgaver', ['klasse'], true),
    ...associated(
      ['brugere', 'bruger'],
      ['enheder', 'organisationenhed'],
      ['funktioner', 'organisationfunktion'],
      ['organisationer', 'organisation'],
      ['personer', 'person'],
      ['itsystemer', 'itsystem'],
    ),
  ],
  responsibleRelation: 'tilhoerer',
};
