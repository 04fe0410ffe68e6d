import { state, zeroOrMany as many, zeroOrOne as one } from '../../../oio/declare.ts';
import type { ObjectTypeDecl } from '../../../oio/model.ts';

const publiceret = (name: string) => state(name, 'publiceret', ['Publiceret', 'IkkePubliceret']);
const owners = ['organisation', 'organisationenhed'];

/** A classification, e.g. KLE: the root its facets belong to. */
export const klassifikation: ObjectTypeDecl = {
  service: 'klassifikation',
  name: 'klassifikation',
  attributes: [{ name: 'klassifikationegenskaber', fields: ['brugervendtnoegle', 'beskrivelse', 'kaldenavn', 'ophavsret', 'titel'] }],
  states: [publiceret('klassifikationpubliceret')],
  relations: [one('ansvarlig', owners), one('ejer', owners)],
  responsibleRelation: 'ejer',
};

/** A facet of a classification, e.g. KLE's subjects or its action facets. */
export const facet: ObjectTypeDecl = {
  service: 'klassifikation',
  name: 'facet',
  attributes: [
    {
      name: 'facetegenskaber',
      fields: ['brugervendtnoegle', 'beskrivelse', 'opbygning', 'ophavsret', 'plan', 'supplement', 'retskilde', 'titel'],
    },
  ],
  states: [publiceret('facetpubliceret')],
  relations: [one('ansvarlig', owners), one('ejer', owners), one('facettilhoerer', ['klassifikation']), many('redaktoerer')],
  responsibleRelation: 'ejer',
};

/** A class: one entry of a facet, e.g. the KLE subject 27.35.04, in a tree through overordnetklasse. */
export const klasse: ObjectTypeDecl = {
  service: 'klassifikation',
  name: 'klasse',
  attributes: [
    {
      name: 'klasseegenskaber',
      fields: ['brugervendtnoegle', 'titel', 'beskrivelse', 'eksempel', 'omfang', 'retskilde', 'aendringsnotat'],
      required: ['brugervendtnoegle', 'titel'],
    },
    // Keywords: several hold at once, so the group is repeated (replaced in full on update).
    { name: 'klassesoegeord', fields: ['soegeordidentifikator', 'beskrivelse', 'soegeordskategori'], repeated: true },
  ],
  states: [publiceret('klassepubliceret')],
  relations: [
    one('ejer', owners),
    one('ansvarlig', owners),
    one('overordnetklasse', ['klasse']),
    one('facet', ['facet']),
    many('redaktoerer'),
    many('sideordnede', ['klasse']),
    many('mapninger', ['klasse']),
    many('tilfoejelser', ['klasse']),
    many('erstatter', ['klasse']),
    many('lovligekombinationer', ['klasse']),
  ],
  responsibleRelation: 'ejer',
};

export const klaTypes: readonly ObjectTypeDecl[] = [klassifikation, facet, klasse];
