import { state, zeroOrMany, zeroOrOne } from '../../../oio/declare.ts';
import type { ObjectTypeDecl } from '../../../oio/model.ts';

/** OIO Organisation: the municipality (or other authority) itself. */
export const organisation: ObjectTypeDecl = {
  service: 'organisation',
  name: 'organisation',
  attributes: [{ name: 'organisationegenskaber', fields: ['brugervendtnoegle', 'organisationsnavn'] }],
  states: [state('organisationgyldighed', 'gyldighed', ['Aktiv', 'Inaktiv'])],
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
    zeroOrMany('adresser', ['adresse'], true),
    zeroOrMany('ansatte', ['bruger', 'person']),
    zeroOrMany('opgaver', ['klasse'], true),
    zeroOrMany('tilknyttedebrugere', ['bruger']),
    zeroOrMany('tilknyttedeenheder', ['organisationenhed']),
    zeroOrMany('tilknyttedefunktioner', ['organisationfunktion']),
    zeroOrMany('tilknyttedeinteressefaellesskaber', ['interessefaellesskab']),
    zeroOrMany('tilknyttedeorganisationer', ['organisation']),
    zeroOrMany('tilknyttedepersoner', ['person']),
    zeroOrMany('tilknyttedeitsystemer', ['itsystem']),
  ],
  responsibleRelation: 'self',
};
