/**
 * The synthetic municipality's IT systems and interest groups: a dozen kinds of system (named by
 * what they do, not after any product), each used by a few units, and networks of users across
 * units. All belong to the organisation from its founding on.
 */
import type { Content, Virkning } from '../../../oio/model.ts';
import type { GeneratedObject } from './model.ts';
import type { Rng } from './random.ts';

const SYSTEMS: readonly (readonly [name: string, type: string])[] = [
  ['Sagsbehandling', 'Fagsystem'],
  ['Løn og personale', 'Administrativt system'],
  ['Omsorgsjournal', 'Fagsystem'],
  ['Elevadministration', 'Fagsystem'],
  ['Økonomi', 'Administrativt system'],
  ['Dokumenthåndtering', 'Administrativt system'],
  ['Vagtplanlægning', 'Administrativt system'],
  ['Byggesagsbehandling', 'Fagsystem'],
  ['Jobcenterjournal', 'Fagsystem'],
  ['Pladsanvisning', 'Fagsystem'],
  ['Bibliotek', 'Fagsystem'],
  ['Borgerservice', 'Fagsystem'],
];

const NETWORKS = [
  'Arbejdsmiljø',
  'Digitalisering',
  'Sprogstimulering',
  'Trivsel',
  'Klimatilpasning',
  'Demens',
  'Inklusion',
  'Innovation',
  'Ledelse',
  'Frivillighed',
  'Sundhedsfremme',
  'Ungeindsats',
];

/** What the IT systems and interest groups are generated from. */
export interface SystemsInput {
  readonly rng: Rng;
  readonly organisation: string;
  /** UUIDs from (kind, index): the municipality's deterministic UUID space. */
  readonly uuid: (kind: 'itsystem' | 'interessefaellesskab', index: number) => string;
  /** From the organisation's founding on, with the generator's note. */
  readonly since: Virkning;
  readonly units: readonly string[];
  readonly users: readonly string[];
}

function some(rng: Rng, from: readonly string[], count: number): string[] {
  const chosen = new Set<string>();
  for (let i = 0; i < count * 3 && chosen.size < Math.min(count, from.length); i++) chosen.add(rng.pick(from));
  return [...chosen];
}

/** The IT systems, then the interest groups (at least 3, one per 250 units, at most 12). */
export function systemsAndGroups(input: SystemsInput): GeneratedObject[] {
  const { rng, since } = input;
  const belongs = [{ uuid: input.organisation, objekttype: 'organisation', virkning: since }];
  const out: GeneratedObject[] = [];
  SYSTEMS.forEach(([name, type], i) => {
    const content: Content = {
      attributter: {
        itsystemegenskaber: [
          {
            fields: { brugervendtnoegle: `sys-${String(i + 1).padStart(2, '0')}`, itsystemnavn: name, itsystemtype: type },
            virkning: since,
          },
        ],
      },
      tilstande: { itsystemgyldighed: [{ value: 'Aktiv', virkning: since }] },
      relationer: {
        tilhoerer: belongs,
        tilknyttedeenheder: some(rng, input.units, rng.int(2, 8)).map((uuid) => ({
          uuid,
          objekttype: 'organisationenhed',
          virkning: since,
        })),
      },
    };
    out.push({ type: 'itsystem', uuid: input.uuid('itsystem', i), content });
  });
  const groups = Math.max(3, Math.min(NETWORKS.length, Math.round(input.units.length / 250)));
  for (let i = 0; i < groups; i++) {
    const members = some(rng, input.users, rng.int(5, 25));
    const content: Content = {
      attributter: {
        interessefaellesskabegenskaber: [
          {
            fields: {
              brugervendtnoegle: `netvaerk-${String(i + 1).padStart(2, '0')}`,
              interessefaellesskabsnavn: `Netværk for ${NETWORKS[i]!.toLowerCase()}`,
              interessefaellesskabstype: 'Netværk',
            },
            virkning: since,
          },
        ],
      },
      tilstande: { interessefaellesskabgyldighed: [{ value: 'Aktiv', virkning: since }] },
      relationer: {
        tilhoerer: belongs,
        tilknyttedebrugere: members.map((uuid) => ({ uuid, objekttype: 'bruger', virkning: since })),
      },
    };
    out.push({ type: 'interessefaellesskab', uuid: input.uuid('interessefaellesskab', i), content });
  }
  return out;
}
