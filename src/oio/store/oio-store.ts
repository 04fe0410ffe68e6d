import { randomUUID } from 'node:crypto';
import type { Store } from '../../platform/store/store.ts';
import { oioError } from '../errors.ts';
import { filterStored, type VirkningSelection, type WireObject } from '../domain/wire.ts';
import type { Content, Livscykluskode, ObjectTypeDecl, OioObject } from '../model.ts';
import { checkWhole, createAlone, OioWriter, type ContentRules, type WriteContext } from './oio-writer.ts';
import { fetchRegistrations, listObjects, type RegistrationSelection } from './read-sql.ts';
import { buildPinnedSearch, buildSearch, type SearchQuery } from './search-sql.ts';

export type { Action, ContentRule, ContentRules, WriteContext, WriteGuard } from './oio-writer.ts';
export { OioWriter } from './oio-writer.ts';
export type { RegistrationSelection } from './read-sql.ts';

/** An object in LoRa's read shape. */
export interface WireRead {
  id: string;
  registreringer: ({
    fratidspunkt: { tidsstempeldatotid: string; graenseindikator: boolean };
    tiltidspunkt: { tidsstempeldatotid: string };
    livscykluskode: Livscykluskode;
    brugerref: string | null;
    note: string | null;
  } & WireObject)[];
}

/** A registration time and the database snapshot taken with it: one consistent state to page through. */
export interface Pin {
  readonly registreringstid: string;
  /** Absent when the caller named a registration time: history is immutable, no snapshot needed. */
  readonly snapshot?: string | undefined;
}

/**
 * The bitemporal object store for every declared OIO type. Registrations are immutable: a write
 * closes the current registration and opens a new one, in one transaction with its outbox event.
 * Writers to one object are serialised by a row lock on the object, so no update is lost.
 */
export class OioStore {
  private readonly types = new Map<string, ObjectTypeDecl>();

  constructor(
    private readonly store: Store,
    types: readonly ObjectTypeDecl[],
    private readonly afterCommit: () => void = () => {},
    private readonly rules: ContentRules = {},
  ) {
    for (const t of types) this.types.set(t.name, t);
  }

  /** The declaration of a type; throws if it is not declared here. */
  decl(type: string): ObjectTypeDecl {
    const decl = this.types.get(type);
    if (!decl) throw new Error(`object type ${type} is not declared`);
    return decl;
  }

  /** Creates an object (Opstaaet). Returns its UUID. */
  async opret(type: string, content: Content, ctx: WriteContext = {}, uuid: string = randomUUID()): Promise<string> {
    // A type without rules is created by one statement on its own; the others in a transaction,
    // where their rules can look at the store before the write.
    if (this.rules[type]?.length) return this.inTransaction((w) => w.opret(type, content, ctx, uuid));
    const guard = ctx.guard;
    if (guard) {
      // A new object of a type without rules: the caller's guard, then the create's one statement.
      // Nothing is stored under a new UUID to change meanwhile; what the guard found of the objects
      // it points to changes only by their owners' writes (an object of no one's taken in between
      // is the one race, and takes nothing from anyone).
      checkWhole(this.decl(type), content);
      await guard({ type, uuid, action: 'opret', content, tx: this.store });
    }
    await createAlone(this.store, this.decl(type), uuid, content, ctx);
    this.afterCommit();
    return uuid;
  }

  /** Creates an object with the given UUID, or overwrites it in full (Importeret, or Rettet when active). */
  importer(type: string, uuid: string, content: Content, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.importer(type, uuid, content, ctx));
  }

  /** Updates with LoRa's merge semantics (Rettet). */
  ret(type: string, uuid: string, update: Content, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.ret(type, uuid, update, ctx));
  }

  passiver(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.passiver(type, uuid, ctx));
  }

  slet(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    return this.inTransaction((w) => w.slet(type, uuid, ctx));
  }

  /**
   * Runs several writes in one transaction: all of them commit, with their events, or none does
   * (an import of a whole classification or organisation is atomic this way).
   */
  async inTransaction<T>(fn: (writer: OioWriter) => Promise<T>): Promise<T> {
    const result = await this.store.transaction((tx) => fn(new OioWriter(tx, (type) => this.decl(type), this.rules)));
    this.afterCommit();
    return result;
  }

  /** Reads one object. Throws OBJECT_NOT_FOUND, or OBJECT_DELETED when deleted at the registration time. */
  async laes(type: string, uuid: string, reg: RegistrationSelection = {}): Promise<OioObject> {
    const [obj] = await this.list(type, [uuid], reg);
    if (!obj) throw oioError('OBJECT_NOT_FOUND');
    const last = obj.registreringer[obj.registreringer.length - 1]!;
    if (!('from' in reg) && last.livscykluskode === 'Slettet') throw oioError('OBJECT_DELETED');
    return obj;
  }

  /** Reads many objects; unknown UUIDs are left out. Registrations come oldest first. */
  async list(type: string, uuids: readonly string[], reg: RegistrationSelection = {}): Promise<OioObject[]> {
    return listObjects(this.store, this.decl(type), uuids, reg);
  }

  /** {@link laes} in LoRa's read shape: OBJECT_NOT_FOUND, or OBJECT_DELETED when deleted at the registration time. */
  async laesWire(type: string, uuid: string, reg: RegistrationSelection, sel: VirkningSelection): Promise<WireRead> {
    const [obj] = await this.readWire(type, [uuid], reg, sel);
    if (!obj) throw oioError('OBJECT_NOT_FOUND');
    if (!('from' in reg) && obj.registreringer[obj.registreringer.length - 1]!.livscykluskode === 'Slettet')
      throw oioError('OBJECT_DELETED');
    return obj;
  }

  /**
   * Reads objects straight into LoRa's read shape, keeping the values the virkning selection asks
   * for, without decoding and re-encoding them: the path of every GET.
   */
  async readWire(type: string, uuids: readonly string[], reg: RegistrationSelection, sel: VirkningSelection): Promise<WireRead[]> {
    const decl = this.decl(type);
    return (await fetchRegistrations(this.store, decl, uuids, reg)).map(({ uuid, rows }) => ({
      id: uuid,
      registreringer: rows.map((r) => ({
        fratidspunkt: { tidsstempeldatotid: r.fra, graenseindikator: true },
        tiltidspunkt: { tidsstempeldatotid: r.til },
        livscykluskode: r.livscykluskode,
        brugerref: r.brugerref,
        note: r.note,
        ...filterStored(decl, r.indhold, sel),
      })),
    }));
  }

  /**
   * After a bulk import: refresh the planner's statistics of the object tables, which also folds
   * the trigram indexes' pending lists into the indexes (until then every text search scans them).
   */
  async analyze(): Promise<void> {
    await this.store.query('ANALYZE oio_objekt, oio_registrering, oio_soegeindeks');
  }

  /** The registration time now, as the database prints it. */
  async now(): Promise<string> {
    const { rows } = await this.store.query<{ now: string }>(`SELECT to_json(clock_timestamp())#>>'{}' AS now`);
    return rows[0]!.now;
  }

  /**
   * Pins a consistent state to page through: the registration time now, and the database
   * snapshot, which leaves out writes still in flight (their registration time may lie before
   * ours, but they were not committed when the first page was read).
   */
  async pin(): Promise<Pin> {
    const { rows } = await this.store.query<{ r: string; s: string }>(
      `SELECT to_json(clock_timestamp())#>>'{}' AS r, pg_current_snapshot()::text AS s`,
    );
    return { registreringstid: rows[0]!.r, snapshot: rows[0]!.s };
  }

  /** Searches by example; returns at most `limit` UUIDs in UUID order after `after`. */
  async soeg(type: string, query: SearchQuery): Promise<string[]> {
    const decl = this.decl(type);
    const { sql, params, prepare } = buildSearch(decl.name, query);
    const { rows } = await this.store.query<{ uuid: string }>(sql, params, { prepare });
    return rows.map((r) => String(r.uuid));
  }

  /**
   * Searches at the registration time now, pinned in the same statement: the UUIDs, and the pin
   * (the statement's time and database snapshot) for reading later pages of the same state.
   */
  async soegPinned(type: string, query: Omit<SearchQuery, 'registreringstid' | 'snapshot'>): Promise<{ uuids: string[]; pin: Pin }> {
    const decl = this.decl(type);
    const { sql, params, prepare } = buildPinnedSearch(decl.name, query);
    const { rows } = await this.store.query<{ uuids: string | null; pin_r: string; pin_s: string }>(sql, params, { prepare });
    return {
      uuids: rows[0]!.uuids ? rows[0]!.uuids.split(',') : [],
      pin: { registreringstid: rows[0]!.pin_r, snapshot: rows[0]!.pin_s },
    };
  }
}
