import { TtlCache } from '../../../platform/ttl-cache.ts';
import { POINTED_TYPES } from '../domain/membership.ts';
import type { Owned, UnitReach } from '../store/owners.ts';

/** How long a read reuses what it found about owners, in ms (writes always ask the database). */
const OWNERS_REUSED_MS = 5_000;
const OWNERS_KEPT = 50_000;
const REACHES_KEPT = 1_000;

const NOT_FOUND: Owned = { found: false, cvrs: [] };

/**
 * What reads last found about owners, for {@link OWNERS_REUSED_MS}: the owners (CVRs) of objects,
 * the organisations of a CVR, and what a unit restriction reaches. They change only when an
 * object's own relation or an organisation's CVR does, and every read and search would otherwise
 * ask for them first. A write through this process forgets the object it wrote (everything when it
 * writes an organisation); a write through another instance is seen within the time. Writes never
 * rely on this: their guard asks inside their transaction.
 */
export class OwnerCache {
  private readonly owners: TtlCache<string, Owned>;
  /** Persons and addresses: their owners may come from the objects pointing to them. */
  private readonly pointedTo: TtlCache<string, Owned>;
  private readonly organisations: TtlCache<string, readonly string[]>;
  private readonly reaches: TtlCache<string, UnitReach>;

  constructor(now: () => number = Date.now) {
    this.owners = new TtlCache({ ttlMs: OWNERS_REUSED_MS, maxEntries: OWNERS_KEPT, now });
    this.pointedTo = new TtlCache({ ttlMs: OWNERS_REUSED_MS, maxEntries: OWNERS_KEPT, now });
    this.organisations = new TtlCache({ ttlMs: OWNERS_REUSED_MS, maxEntries: OWNERS_KEPT, now });
    this.reaches = new TtlCache({ ttlMs: OWNERS_REUSED_MS, maxEntries: REACHES_KEPT, now });
  }

  private cacheOf(type: string): TtlCache<string, Owned> {
    return POINTED_TYPES.has(type) ? this.pointedTo : this.owners;
  }

  /** The owners of an object, as a read found them lately, or asked now. */
  ownersOf(type: string, uuid: string, ask: () => Promise<Owned>): Promise<Owned> {
    return this.cacheOf(type).getOrAsk(`${type} ${uuid}`, ask);
  }

  /** The organisations of a CVR, as a search found them lately, or asked now. */
  organisationsOf(cvr: string, ask: () => Promise<readonly string[]>): Promise<readonly string[]> {
    return this.organisations.getOrAsk(cvr, ask);
  }

  /** What a token restricted to these units reaches, as found lately, or asked now. */
  unitReach(units: readonly string[], ask: () => Promise<UnitReach>): Promise<UnitReach> {
    return this.reaches.getOrAsk([...units].sort().join(','), ask);
  }

  /** The owners of many objects of one type: those found lately, and the others asked at once. */
  async ownersOfAll(
    type: string,
    uuids: readonly string[],
    ask: (missing: readonly string[]) => Promise<Map<string, Owned>>,
  ): Promise<Map<string, Owned>> {
    const prefix = `${type} `;
    const owned = await this.cacheOf(type).getOrAskMany(
      uuids.map((uuid) => prefix + uuid),
      async (missing) => {
        const found = await ask(missing.map((key) => key.slice(prefix.length)));
        return missing.map((key) => found.get(key.slice(prefix.length)) ?? NOT_FOUND);
      },
    );
    return new Map(uuids.map((uuid, i) => [uuid, owned[i]!]));
  }

  /**
   * After a write of `uuid` (none: a new object). A write of any other type may change who points
   * to a person or an address, and what a unit restriction reaches, so those are forgotten too.
   */
  forget(type: string, uuid: string | undefined): void {
    this.reaches.forgetAll();
    if (type === 'organisation') {
      this.owners.forgetAll();
      this.pointedTo.forgetAll();
      this.organisations.forgetAll();
      return;
    }
    if (uuid !== undefined) this.cacheOf(type).forget(`${type} ${uuid}`);
    if (!POINTED_TYPES.has(type)) this.pointedTo.forgetAll();
  }
}
