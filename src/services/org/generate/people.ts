/**
 * Users, their persons and their employments. Each user is a person with a synthetic CPR number
 * (day of month 61–91, which the civil registry never uses), a user name and an e-mail address,
 * hired before or during the window; some change jobs, some work part time elsewhere too, some
 * leave. Each employment is an organisation function tying the user to a unit for its time.
 */
import type { Content, RelationValue, Virkning } from '../../../oio/model.ts';
import type { AddressBook } from './addresses.ts';
import { ascii, type Generation, type Unit } from './context.ts';
import { DAY_MS, FOUNDED, NEVER } from './days.ts';
import { ADDRESS_ROLES, EMPLOYMENT_FUNCTION_NAME, EMPLOYMENT_FUNCTION_TYPE, type GeneratedObject } from './model.ts';
import { KIND } from './random.ts';
import type { SharedValues } from './values.ts';
import { FEMALE, MALE, MIDDLE, SURNAMES } from './vocabulary.ts';

/** A user's time at a unit, in days. */
interface Employment {
  readonly unit: Unit;
  readonly from: number;
  readonly to: number;
}

/** The people of the municipality, as objects to write. */
export interface People {
  readonly persons: GeneratedObject[];
  readonly users: GeneratedObject[];
  readonly functions: GeneratedObject[];
  /** Users who left during the window. */
  readonly usersLeft: number;
}

/**
 * Where employees are placed: by the units' weights (a unit with sub-units counts half), through a
 * cumulative table so each draw is a binary search.
 */
class Placement {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(
    private readonly g: Generation,
    private readonly units: readonly Unit[],
    private readonly root: Unit,
  ) {
    let total = 0;
    for (const u of units) {
      total += u.children.length && u.role === 'sub' ? u.weight / 2 : u.weight;
      this.cumulative.push(total);
    }
    this.total = total;
  }

  private draw(): Unit {
    const x = this.g.r.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.units[lo]!;
  }

  /** A unit alive on `day` and until at least `day + 1`, other than `avoid`; falls back to the root. */
  aliveAt(day: number, avoid?: Unit): Unit {
    for (let i = 0; i < 30; i++) {
      const u = this.draw();
      if (u !== avoid && u.start <= day && day < u.closed) return u;
    }
    return this.root;
  }
}

/** A person as drawn: name, sex, when hired, and a CPR number no other person here has. */
function drawPerson(g: Generation, cprs: Set<string>) {
  const { r } = g;
  const female = r.chance(0.55);
  const fornavn = r.pick(female ? FEMALE : MALE);
  const mellemnavn = r.chance(0.25) ? `${r.pick(MIDDLE)} ` : '';
  const efternavn = r.pick(SURNAMES);
  const navn = `${fornavn} ${mellemnavn}${efternavn}`;
  // Hired since the reform: before the window mostly, during it now and then.
  const hired = r.chance(0.8) ? r.int(FOUNDED, g.windowStart - 1) : r.int(g.windowStart, g.until - 60);
  const hiredYear = new Date(hired * DAY_MS).getUTCFullYear();
  // Synthetic CPR: the day of month plus 60 (61-91), never a real person's number.
  let cpr: string;
  do {
    const year = r.int(Math.min(1955, hiredYear - 18), Math.min(2004, hiredYear - 18));
    const month = r.int(1, 12);
    const day = r.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
    const seventh = year >= 2000 ? 4 : r.int(0, 3);
    const last = r.int(0, 4) * 2 + (female ? 0 : 1);
    cpr = `${day + 60}${String(month).padStart(2, '0')}${String(year % 100).padStart(2, '0')}${seventh}${r.int(10, 99)}${last}`;
  } while (cprs.has(cpr));
  cprs.add(cpr);
  return { fornavn, efternavn, navn, hired, cpr };
}

/** Two letters of each name, and a number from the second user with the same letters on. */
function userName(taken: Map<string, number>, fornavn: string, efternavn: string): string {
  const stem = ascii(fornavn).slice(0, 2) + ascii(efternavn).slice(0, 2);
  const n = (taken.get(stem) ?? 0) + 1;
  taken.set(stem, n);
  return n === 1 ? stem : `${stem}${n}`;
}

/** Employment history from `hired`: up to four jobs one after another, a concurrent one now and then, maybe leaving. */
function employmentsOf(g: Generation, placement: Placement, root: Unit, hired: number): { jobs: Employment[]; leaves: number } {
  const { r, windowStart, until } = g;
  const leaveFrom = Math.max(hired, windowStart) + 60;
  let leaves = leaveFrom < until - 1 && r.chance(0.1) ? r.int(leaveFrom, until - 2) : NEVER;
  const jobs: Employment[] = [];
  let cursor = hired;
  for (let k = 0; k < 4 && cursor < leaves; k++) {
    const u = placement.aliveAt(cursor, jobs[jobs.length - 1]?.unit);
    let to = Math.min(leaves, u.closed);
    // A job change within the window.
    if (r.chance(0.07)) {
      const lo = Math.max(cursor, windowStart) + 60;
      const hi = Math.min(to, until - 30);
      if (lo < hi) to = g.windowDay(lo, hi);
    }
    jobs.push({ unit: u, from: cursor, to });
    if (to >= leaves) break;
    // Their unit closed: some leave with it.
    if (to === u.closed && r.chance(0.15)) {
      leaves = to;
      break;
    }
    cursor = to;
  }
  // A second, concurrent employment now and then (part time elsewhere).
  if (r.chance(0.06)) {
    const from = g.windowDay(Math.max(hired, windowStart), Math.min(leaves, until - 30));
    const u = placement.aliveAt(from, jobs[0]?.unit);
    if (from < leaves && u !== root) {
      const end = Math.min(leaves, u.closed);
      const cap = Math.min(end, until);
      const to = r.chance(0.5) || from + 90 >= cap ? end : r.int(from + 90, cap - 1);
      if (from < to) jobs.push({ unit: u, from, to });
    }
  }
  return { jobs, leaves };
}

/** The users, persons and employments of the municipality; see the module comment. */
export function generatePeople(g: Generation, units: readonly Unit[], root: Unit, book: AddressBook, values: SharedValues): People {
  const placement = new Placement(g, units, root);
  const persons: GeneratedObject[] = [];
  const users: GeneratedObject[] = [];
  const functions: GeneratedObject[] = [];
  const cprs = new Set<string>();
  const userNames = new Map<string, number>();
  let usersLeft = 0;

  for (let i = 0; i < g.userTarget; i++) {
    const p = drawPerson(g, cprs);
    const username = userName(userNames, p.fornavn, p.efternavn);
    const { jobs, leaves } = employmentsOf(g, placement, root, p.hired);
    if (leaves !== NEVER) usersLeft++;

    const personUuid = g.ids.make(KIND.person, i);
    const userUuid = g.ids.make(KIND.user, i);
    const fromMs = g.instants.at(p.hired);
    const active: Virkning = { from: fromMs, to: g.instants.at(leaves) };
    persons.push({
      type: 'person',
      uuid: personUuid,
      content: {
        attributter: {
          personegenskaber: [
            { fields: { brugervendtnoegle: personUuid, cpr_nummer: p.cpr, navn: p.navn }, virkning: values.forever(fromMs) },
          ],
        },
        tilstande: { persongyldighed: values.gyldighed(values.forever(fromMs)) },
        relationer: { tilhoerer: [values.orgRel(fromMs)] },
      },
    });
    users.push({
      type: 'bruger',
      uuid: userUuid,
      content: {
        attributter: {
          brugeregenskaber: [{ fields: { brugervendtnoegle: username, brugernavn: p.navn, brugertype: 'Medarbejder' }, virkning: active }],
        },
        tilstande: { brugergyldighed: values.gyldighed(active) },
        relationer: {
          tilhoerer: [values.orgRel(fromMs)],
          tilknyttedepersoner: [{ uuid: personUuid, objekttype: 'person', virkning: active }],
          adresser: userAddresses(g, book, username, p.hired, active),
        },
      },
    });
    jobs.forEach((job, k) => {
      functions.push(employmentFunction(g, values, functions.length, `${username}-${job.unit.bvn}-${k + 1}`, userUuid, job));
    });
  }
  return { persons, users, functions, usersLeft };
}

/** A user's e-mail address, and a phone number for some. */
function userAddresses(g: Generation, book: AddressBook, username: string, hired: number, active: Virkning): RelationValue[] {
  const adresser: RelationValue[] = [
    {
      uuid: book.add(ADDRESS_ROLES.email, `${username}@${g.domain}`, hired),
      objekttype: 'adresse',
      rolle: ADDRESS_ROLES.email,
      indeks: 1,
      virkning: active,
    },
  ];
  if (g.r.chance(0.4)) {
    adresser.push({
      uuid: book.add(ADDRESS_ROLES.telefon, book.phone(), hired),
      objekttype: 'adresse',
      rolle: ADDRESS_ROLES.telefon,
      indeks: 2,
      virkning: active,
    });
  }
  return adresser;
}

/** An employment as an organisation function: the user at the unit for the job's time. */
function employmentFunction(
  g: Generation,
  values: SharedValues,
  index: number,
  bvn: string,
  user: string,
  job: Employment,
): GeneratedObject {
  const v: Virkning = { from: g.instants.at(job.from), to: g.instants.at(job.to) };
  const content: Content = {
    attributter: {
      organisationfunktionegenskaber: [{ fields: { brugervendtnoegle: bvn, funktionsnavn: EMPLOYMENT_FUNCTION_NAME }, virkning: v }],
    },
    tilstande: { organisationfunktiongyldighed: values.gyldighed(v) },
    relationer: {
      funktionstype: [{ urn: EMPLOYMENT_FUNCTION_TYPE, virkning: v }],
      tilknyttedebrugere: [{ uuid: user, objekttype: 'bruger', virkning: v }],
      tilknyttedeenheder: [{ uuid: job.unit.uuid, objekttype: 'organisationenhed', virkning: v }],
      tilknyttedeorganisationer: [values.orgRel(v.from)],
    },
  };
  return { type: 'organisationfunktion', uuid: g.ids.make(KIND.function, index), content };
}
