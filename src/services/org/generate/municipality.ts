/**
 * A seeded generator of a SYNTHETIC municipality as OIO Organisation content.
 *
 * Tests, the demo seed and benchmarks need an organisation that looks like a real one: a unit tree
 * 5–7 levels deep (administration → departments (forvaltninger) → areas (områder) → institutions
 * such as schools, care homes, day-care centres and libraries → departments of the institution →
 * teams → groups), users with their persons, one function per employment, addresses, KLE tasks,
 * IT systems, interest groups, and several years of history (units renamed, moved and closed;
 * people hired, moving on and leaving) so that time travel has something to show.
 *
 * Everything inside is invented from word lists and the seed: unit names, people's names, user
 * names, phone numbers, postal addresses, EAN and P-numbers, CPR numbers (day of month 61–91). The
 * same seed and options always give the same output, UUIDs included; UUIDs also depend on the
 * organisation's UUID, so two municipalities generated with one seed never share one.
 *
 * The steps run in a fixed order, each drawing from the one random stream in turn: changing their
 * order, or what one of them draws, changes everything generated after it.
 */
import { contentToWire, type WireObject } from '../../../oio/domain/wire.ts';
import type { Content, ObjectTypeDecl, Virkning } from '../../../oio/model.ts';
import { organisation as organisationDecl } from '../types/organisation.ts';
import { adresse, bruger, interessefaellesskab, itsystem, organisationenhed, organisationfunktion, person } from '../types/units.ts';
import { AddressBook, addUnitAddresses, relocateSome } from './addresses.ts';
import { addressObjects, organisationContent, unitObjects } from './contents.ts';
import { Generation } from './context.ts';
import { FOUNDED, isoOf, NEVER } from './days.ts';
import { planHistory } from './history.ts';
import {
  SYNTHETIC_ORG_NOTE,
  type GeneratedMunicipality,
  type GeneratedObject,
  type GenerateMunicipalityOptions,
  type MunicipalityRef,
} from './model.ts';
import { generatePeople } from './people.ts';
import { KIND } from './random.ts';
import { systemsAndGroups } from './systems.ts';
import { assignTasks } from './tasks.ts';
import { buildUnitTree, unitsByLevel } from './unit-tree.ts';
import { SharedValues } from './values.ts';

/** Builds a synthetic municipality; see the module comment. */
export function generateMunicipality(opts: GenerateMunicipalityOptions): GeneratedMunicipality {
  const g = new Generation(opts);
  const values = new SharedValues(g.orgUuid);

  // The unit tree and its history.
  const tree = buildUnitTree(g);
  const byLevel = unitsByLevel(tree.units);
  planHistory(g, tree, byLevel);

  // Addresses and tasks on units.
  const addresses = new AddressBook(g);
  addUnitAddresses(g, tree.units, addresses);
  const relocated = relocateSome(
    g,
    tree.units.filter((u) => u.role === 'institution'),
    addresses,
  );
  const tasks = assignTasks(g, tree.units, tree.departments.length, opts.kleClasses ?? []);

  // Users, persons, employments.
  const people = generatePeople(g, tree.units, tree.root, addresses, values);

  // Contents, parents before children.
  const units = unitObjects(g, byLevel, relocated, values);
  const since: Virkning = { from: g.instants.at(FOUNDED), to: Infinity, notetekst: SYNTHETIC_ORG_NOTE };
  const extras = systemsAndGroups({
    rng: g.r,
    organisation: g.orgUuid,
    uuid: (kind, index) => g.ids.make(KIND[kind], index),
    since,
    units: tree.units.filter((u) => u.closed === NEVER).map((u) => u.uuid),
    users: people.users.map((u) => u.uuid),
  });
  const objects: GeneratedObject[] = [
    ...addressObjects(addresses.list, g.instants, values),
    ...people.persons,
    ...people.users,
    ...units.objects,
    ...people.functions,
    ...extras,
  ];

  const unitsPerLevel = byLevel.map((l) => l?.length ?? 0);
  return {
    uuid: g.orgUuid,
    organisation: organisationContent(g.org, since),
    objects,
    stats: {
      units: tree.units.length,
      users: people.users.length,
      persons: people.persons.length,
      functions: people.functions.length,
      addresses: addresses.list.length,
      itsystems: extras.filter((o) => o.type === 'itsystem').length,
      groups: extras.filter((o) => o.type === 'interessefaellesskab').length,
      tasks,
      depth: unitsPerLevel.length,
      unitsPerLevel,
      usersLeft: people.usersLeft,
      from: isoOf(g.windowStart),
      until: isoOf(g.until),
      ...units.history,
    },
  };
}

/**
 * A small municipality for the demo seed: 40 units, 150 users, four years of history, tasks from
 * the given classes. Deterministic per organisation.
 */
export function demoMunicipality(org: MunicipalityRef, kleClasses: readonly string[] = []): GeneratedMunicipality {
  return generateMunicipality({ organisation: org, kleClasses, units: 40, users: 150, seed: 1 });
}

/** The shape importOrganisation takes. */
export function forImport(m: GeneratedMunicipality): {
  organisation: { uuid: string; content: Content };
  objects: readonly GeneratedObject[];
} {
  return { organisation: { uuid: m.uuid, content: m.organisation }, objects: m.objects };
}

const DECLS: Readonly<Record<string, ObjectTypeDecl>> = Object.fromEntries(
  [organisationDecl, organisationenhed, organisationfunktion, bruger, person, adresse, itsystem, interessefaellesskab].map((d) => [
    d.name,
    d,
  ]),
);

/** The body of `POST /organisation/organisation/import` for a generated municipality. */
export function importRequestBody(
  m: GeneratedMunicipality,
  note?: string,
): {
  organisation: WireObject & { uuid: string };
  objekter: (WireObject & { objekttype: string; uuid: string })[];
  note?: string;
} {
  return {
    organisation: { uuid: m.uuid, ...contentToWire(organisationDecl, m.organisation) },
    objekter: m.objects.map((o) => ({ objekttype: o.type, uuid: o.uuid, ...contentToWire(DECLS[o.type]!, o.content) })),
    ...(note ? { note } : {}),
  };
}
