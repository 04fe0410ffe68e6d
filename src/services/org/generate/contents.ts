/**
 * The planned addresses, units and the organisation written as OIO content. History is virkning
 * inside one content per object: a rename is two name values split at the rename date, a move two
 * `overordnet` values, a closure ends every value at the closure date and adds gyldighed Inaktiv
 * from it. `tilhoerer` (the organisation) is one value over the object's whole life.
 */
import type { AttributeValue, Content, RelationValue, Virkning } from '../../../oio/model.ts';
import type { PlannedAddress, Relocation } from './addresses.ts';
import type { Generation, Unit } from './context.ts';
import { isoOf, NEVER, type Instants } from './days.ts';
import { ADDRESS_ROLES, type Dated, type GeneratedObject, type MunicipalityRef, type Moved, type Renamed } from './model.ts';
import type { SharedValues } from './values.ts';

/** The address objects, in the order they were made. */
export function addressObjects(addresses: readonly PlannedAddress[], instants: Instants, values: SharedValues): GeneratedObject[] {
  return addresses.map((a, k) => {
    const from = instants.at(a.start);
    const v = values.forever(from);
    return {
      type: 'adresse',
      uuid: a.uuid,
      content: {
        attributter: {
          adresseegenskaber: [
            {
              fields: { brugervendtnoegle: `${a.role.slice('urn:oio:adresserolle:'.length)}-${k + 1}`, adressetekst: a.tekst },
              virkning: v,
            },
          ],
        },
        tilstande: { adressegyldighed: values.gyldighed(v) },
        relationer: { tilhoerer: [values.orgRel(from)] },
      },
    };
  });
}

/** The unit tree's history, as the stats list it. */
export interface UnitHistory {
  readonly renamed: Renamed[];
  readonly moved: Moved[];
  readonly closed: Dated[];
  readonly opened: Dated[];
}

/** The units as objects, parents before children (level by level), and their history. */
export function unitObjects(
  g: Generation,
  byLevel: readonly (readonly Unit[])[],
  relocated: ReadonlyMap<Unit, Relocation>,
  values: SharedValues,
): { objects: GeneratedObject[]; history: UnitHistory } {
  const objects: GeneratedObject[] = [];
  const history: UnitHistory = { renamed: [], moved: [], closed: [], opened: [] };
  for (const level of byLevel) {
    for (const u of level ?? []) {
      objects.push({ type: 'organisationenhed', uuid: u.uuid, content: unitContent(g, u, relocated.get(u), values) });
      if (u.rename) history.renamed.push({ uuid: u.uuid, at: isoOf(u.rename.at), before: u.navn, after: u.rename.navn });
      if (u.move) history.moved.push({ uuid: u.uuid, at: isoOf(u.move.at), from: u.parent!.uuid, to: u.move.parent.uuid });
      if (u.closed !== NEVER) history.closed.push({ uuid: u.uuid, at: isoOf(u.closed) });
      if (u.start >= g.windowStart) history.opened.push({ uuid: u.uuid, at: isoOf(u.start) });
    }
  }
  return { objects, history };
}

function unitContent(g: Generation, u: Unit, move: Relocation | undefined, values: SharedValues): Content {
  const { instants } = g;
  const from = instants.at(u.start);
  const to = instants.at(u.closed);
  const life: Virkning = { from, to };
  const names: AttributeValue[] = u.rename
    ? [
        { fields: { brugervendtnoegle: u.bvn, enhedsnavn: u.navn }, virkning: { from, to: instants.at(u.rename.at) } },
        { fields: { brugervendtnoegle: u.bvn, enhedsnavn: u.rename.navn }, virkning: { from: instants.at(u.rename.at), to } },
      ]
    : [{ fields: { brugervendtnoegle: u.bvn, enhedsnavn: u.navn }, virkning: life }];
  const parentRel = (p: Unit | undefined, v: Virkning): RelationValue =>
    p ? { uuid: p.uuid, objekttype: 'organisationenhed', virkning: v } : { uuid: g.orgUuid, objekttype: 'organisation', virkning: v };
  const overordnet: RelationValue[] = u.move
    ? [parentRel(u.parent, { from, to: instants.at(u.move.at) }), parentRel(u.move.parent, { from: instants.at(u.move.at), to })]
    : [parentRel(u.parent, life)];
  const adresser: RelationValue[] = [];
  u.addresses.forEach((a, k) => {
    if (move && a.role === ADDRESS_ROLES.postadresse) {
      adresser.push({ uuid: a.uuid, objekttype: 'adresse', rolle: a.role, indeks: k + 1, virkning: { from, to: instants.at(move.at) } });
      adresser.push({ uuid: move.uuid, objekttype: 'adresse', rolle: a.role, indeks: k + 1, virkning: { from: instants.at(move.at), to } });
    } else adresser.push({ uuid: a.uuid, objekttype: 'adresse', rolle: a.role, indeks: k + 1, virkning: life });
  });
  const relationer: Record<string, RelationValue[]> = {
    enhedstype: [{ urn: u.enhedstype, virkning: life }],
    overordnet,
    tilhoerer: [values.orgRel(from)],
    adresser,
  };
  if (u.tasks.length) {
    relationer.opgaver = u.tasks.map((t, k) => ({
      uuid: t.uuid,
      objekttype: 'klasse',
      rolle: t.role,
      indeks: k + 1,
      virkning: t.from === u.start ? life : { from: instants.at(t.from), to },
    }));
  }
  return {
    attributter: { organisationenhedegenskaber: names },
    tilstande: { organisationenhedgyldighed: values.gyldighed(life) },
    relationer,
  };
}

/** The organisation itself: a municipality with its CVR number and, from its bvn, its municipality code. */
export function organisationContent(org: MunicipalityRef, since: Virkning): Content {
  const code = /(\d{3})$/.exec(org.bvn)?.[1];
  return {
    attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: org.bvn, organisationsnavn: org.navn }, virkning: since }] },
    tilstande: { organisationgyldighed: [{ value: 'Aktiv', virkning: since }] },
    relationer: {
      virksomhed: [{ urn: `urn:oio:cvr-nr:${org.cvr}`, virkning: since }],
      myndighedstype: [{ urn: 'urn:oio:myndighedstype:kommune', virkning: since }],
      ...(code ? { myndighed: [{ urn: `urn:oio:kommunekode:${code}`, virkning: since }] } : {}),
    },
  };
}
