/**
 * Addresses: every address object the municipality has (units' and users'), numbered in the order
 * they are made, and the addresses of the units: e-mail, phone and postal address for the larger
 * units, EAN and P-numbers where a real municipality has them, and a new postal address for the
 * few institutions that moved house during the window.
 */
import { ascii, type Generation, type Unit } from './context.ts';
import { ADDRESS_ROLES } from './model.ts';
import { KIND } from './random.ts';
import { PLACE_HEADS, STREET_TAILS } from './vocabulary.ts';

/** An address object to write: its role decides its brugervendtnoegle. */
export interface PlannedAddress {
  readonly uuid: string;
  readonly role: string;
  readonly tekst: string;
  /** The day it exists from. */
  readonly start: number;
}

/** Every address made so far, and invented address texts. */
export class AddressBook {
  readonly list: PlannedAddress[] = [];

  constructor(private readonly g: Generation) {}

  /** A new address object; returns its UUID. */
  add(role: string, tekst: string, start: number): string {
    const uuid = this.g.ids.make(KIND.address, this.list.length);
    this.list.push({ uuid, role, tekst, start });
    return uuid;
  }

  phone(): string {
    const { r } = this.g;
    return `${r.pick(['3', '4', '7', '8'])}${r.int(1000000, 9999999)}`;
  }

  postal(): string {
    const { r } = this.g;
    const nr = this.g.postBase + r.int(0, 49) * 10;
    return `${this.street()}, ${nr} ${this.g.city}`;
  }

  ean(): string {
    return `579899${String(this.g.r.int(0, 9999999)).padStart(7, '0')}`;
  }

  pnr(): string {
    return `9${String(this.g.r.int(0, 999999999)).padStart(9, '0')}`;
  }

  private street(): string {
    const { r } = this.g;
    return `${r.pick(PLACE_HEADS)}${r.pick(STREET_TAILS)} ${r.int(1, 180)}`;
  }
}

/** Gives every unit its addresses, from the day it opened; see the module comment. */
export function addUnitAddresses(g: Generation, units: readonly Unit[], book: AddressBook): void {
  const { r } = g;
  for (const u of units) {
    const mail = `${ascii(u.navn).slice(0, 24) || 'enhed'}.${u.index + 1}@${g.domain}`;
    const big = u.role !== 'sub';
    if (big || r.chance(0.5))
      u.addresses.push({ role: ADDRESS_ROLES.email, uuid: book.add(ADDRESS_ROLES.email, mail, u.start), start: u.start });
    if (big || r.chance(0.4))
      u.addresses.push({ role: ADDRESS_ROLES.telefon, uuid: book.add(ADDRESS_ROLES.telefon, book.phone(), u.start), start: u.start });
    if (big)
      u.addresses.push({
        role: ADDRESS_ROLES.postadresse,
        uuid: book.add(ADDRESS_ROLES.postadresse, book.postal(), u.start),
        start: u.start,
      });
    if (u.role === 'department' || u.role === 'area' || (u.role === 'institution' && r.chance(0.7))) {
      u.addresses.push({ role: ADDRESS_ROLES.ean, uuid: book.add(ADDRESS_ROLES.ean, book.ean(), u.start), start: u.start });
    }
    if (u.role === 'root' || (u.role === 'institution' && r.chance(0.9))) {
      u.addresses.push({ role: ADDRESS_ROLES.pnummer, uuid: book.add(ADDRESS_ROLES.pnummer, book.pnr(), u.start), start: u.start });
    }
  }
}

/** A unit's move to a new postal address: from which day, and the new address. */
export interface Relocation {
  readonly at: number;
  readonly uuid: string;
}

/** Some institutions moved house during the window: a new postal address from a date. */
export function relocateSome(g: Generation, institutions: readonly Unit[], book: AddressBook): Map<Unit, Relocation> {
  const relocated = new Map<Unit, Relocation>();
  for (const u of institutions) {
    if (!g.r.chance(0.05)) continue;
    const lo = g.earliest(u);
    const hi = Math.min(u.closed, g.until - 30);
    if (lo >= hi) continue;
    const at = g.windowDay(lo, hi);
    relocated.set(u, { at, uuid: book.add(ADDRESS_ROLES.postadresse, book.postal(), at) });
  }
  return relocated;
}
