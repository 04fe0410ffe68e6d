import { POINTED_TYPES } from '../domain/membership.ts';
import type { Owned, UnitReach } from '../store/owners.ts';

/** How long a read reuses what it found about owners, in ms (writes always ask the database). */
const OWNERS_REUSED_MS = 5_000;
const OWNERS_KEPT = 50_000;
const REACHES_KEPT = 1_000;

/**
 * What reads last found about owners, for {@link OWNERS_REUSED_MS}: the owners (CVRs) of objects,
 * the organisations of a CVR, and what a unit restriction reaches. They change only when an
 * object's own relation or an organisation's CVR does, and every read and search would otherwise
 * ask for them first. A write through this process forgets the object it wrote (everything when it
 * writes an organisation); a write through another instance is seen within the time. Writes never
 * rely on this: their guard asks inside their transaction.
 */
export class OwnerCache {
  private readonly owners = new Map<string, { until: number; value: Owned }>();
  /** Persons and addresses: their owners may come from the objects pointing to them. */
  private pointedTo = new Map<string, { until: number; value: Owned }>();
  private readonly organisations = new Map<string, { until: number; value: readonly string[] }>();
  private reaches = new Map<string, { until: number; value: UnitReach }>();

  constructor(private readonly now: () => number = Date.now) {}

  private mapOf(type: string): Map<string, { until: number; value: Owned }> {
    return POINTED_TYPES.has(type) ? this.pointedTo : this.owners;
  }

  /** The owners of an object, as a read found them lately, or asked now. */
  ownersOf(type: string, uuid: string, ask: () => Promise<Owned>): Promise<Owned> {
    return this.reuse(this.mapOf(type), `${type} ${uuid}`, ask, OWNERS_KEPT);
  }

  /** The organisations of a CVR, as a search found them lately, or asked now. */
  organisationsOf(cvr: string, ask: () => Promise<readonly string[]>): Promise<readonly string[]> {
    return this.reuse(this.organisations, cvr, ask, OWNERS_KEPT);
  }

  /** What a token restricted to these units reaches, as found lately, or asked now. */
  unitReach(units: readonly string[], ask: () => Promise<UnitReach>): Promise<UnitReach> {
    return this.reuse(this.reaches, [...units].sort().join(','), ask, REACHES_KEPT);
  }

  /** The owners of many objects of one type: those found lately, and the others asked at once. */
  async ownersOfAll(
    type: string,
    uuids: readonly string[],
    ask: (missing: readonly string[]) => Promise<Map<string, Owned>>,
  ): Promise<Map<string, Owned>> {
    const now = this.now();
    const owners = this.mapOf(type);
    const out = new Map<string, Owned>();
    const missing: string[] = [];
    for (const uuid of uuids) {
      const entry = owners.get(`${type} ${uuid}`);
      if (entry && entry.until > now) out.set(uuid, entry.value);
      else missing.push(uuid);
    }
    if (missing.length) {
      const found = await ask(missing);
      for (const uuid of missing) {
        const owned = found.get(uuid) ?? { found: false, cvrs: [] };
        out.set(uuid, owned);
        this.put(owners, `${type} ${uuid}`, owned, now, OWNERS_KEPT);
      }
    }
    return out;
  }

  private async reuse<T>(entries: Map<string, { until: number; value: T }>, key: string, ask: () => Promise<T>, kept: number): Promise<T> {
    const now = this.now();
    const entry = entries.get(key);
    if (entry && entry.until > now) return entry.value;
    const value = await ask();
    this.put(entries, key, value, now, kept);
    return value;
  }

  private put<T>(entries: Map<string, { until: number; value: T }>, key: string, value: T, now: number, kept: number): void {
    if (entries.size >= kept) entries.clear();
    entries.set(key, { until: now + OWNERS_REUSED_MS, value });
  }

  /**
   * After a write of `uuid` (none: a new object). A write of any other type may change who points
   * to a person or an address, and what a unit restriction reaches, so those are forgotten too.
   */
  forget(type: string, uuid: string | undefined): void {
    this.reaches = new Map();
    if (type === 'organisation') {
      this.owners.clear();
      this.pointedTo = new Map();
      this.organisations.clear();
      return;
    }
    if (uuid !== undefined) this.mapOf(type).delete(`${type} ${uuid}`);
    if (!POINTED_TYPES.has(type)) this.pointedTo = new Map();
  }
}
