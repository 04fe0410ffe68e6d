import type { ObjectTypeDecl } from '../../../oio/model.ts';

const zeroOrOne = (name: string, targets?: string[]) => ({ name, cardinality: '0..1' as const, ...(targets ? { targets } : {}) });
const many = (name: string, targets?: string[], qualified = false) => ({
  name,
  cardinality: '0..n' as const,
  ...(targets ? { targets } : {}),
  ...(qualified ? { qualified } : {}),
});

/** OIO Organisation: the municipality (or other authority) itself. */
export const organisation: ObjectTypeDecl = {
  service: 'organisation',
  name: 'organisation',
  attributes: [{ name: 'organisationegenskaber', fields: ['brugervendtnoegle', 'organisationsnavn'] }],
  states: [{ name: 'organisationgyldighed', field: 'gyldighed', values: ['Aktiv', 'Inaktiv'] }],
  relations: [
    zeroOrOne('branche'),
    zeroOrOne('myndighed'),
    zeroOrOne('myndighedstype'),
    zeroOrOne('overordnet', ['organisation']),
    zeroOrOne('produktionsenhed'),
    zeroOrOne('skatteenhed'),
    zeroOrOne('tilhoerer', ['organisation']),
    zeroOrOne('virksomhed'),
    zeroOrOne('virksomhedstype'),
    zeroOrOne('organisationstype'),
    many('adresser', ['adresse'], true),
    many('ansatte', ['bruger', 'person']),
    many('opgaver', ['klasse'], true),
    many('tilknyttedebrugere', ['bruger']),
    many('tilknyttedeenheder', ['organisationenhed']),
    many('tilknyttedefunktioner', ['organisationfunktion']),
    many('tilknyttedeinteressefaellesskaber', ['interessefaellesskab']),
    many('tilknyttedeorganisationer', ['organisation']),
    many('tilknyttedepersoner', ['person']),
    many('tilknyttedeitsystemer', ['itsystem']),
  ],
  responsibleRelation: 'self',
};
