/**
 * The store as the message transport (the embedded default, and PostgreSQL): the delivery rows
 * of `bfo_levering` are the queues. A hand-out takes rows with `FOR UPDATE SKIP LOCKED` and gives
 * each a lease until its visibility timeout; an acknowledgement must name the current lease.
 * A row handed out `max_leveringer` times without an acknowledgement moves to the dead-letter list.
 */
import type { Queryable, Store } from '../../../platform/store/store.ts';
import type { Haendelsesbesked } from '../domain/envelope.ts';
import { forReceiver } from '../domain/route.ts';
import {
  parseReceipt,
  type AuditDeliveries,
  type BfoTransport,
  type CommittedMessage,
  type DeadLetter,
  type Delivery,
  type DueslagRef,
  type DueslagStats,
  type ReceiveOptions,
} from './transport.ts';

export interface ClaimedRow extends Record<string, unknown> {
  id: string;
  laan: string;
  forsoeg: number;
  abonnement: string;
  tilladt_modtager: string[] | null;
  besked_id: string;
  kuvert: Haendelsesbesked;
  modtaget: string;
  leveret: string;
}

/** The envelope a claimed row is handed out as. */
export function deliveryOf(r: ClaimedRow): Delivery {
  return {
    kvittering: `${r.id}.${r.laan}`,
    beskedId: r.besked_id,
    forsoeg: r.forsoeg,
    besked: forReceiver(r.kuvert, {
      tilladtModtager: r.tilladt_modtager ?? undefined,
      abonnement: r.abonnement,
      modtaget: r.modtaget,
      leveret: r.leveret,
      forsoeg: r.forsoeg,
    }),
  };
}

/**
 * Moves the rows handed out `maxLeveringer` times whose lease has run out to the dead-letter list.
 * Rows another transaction holds are skipped (it is handing them out or moving them itself), so
 * concurrent receivers never wait for, or deadlock on, each other.
 */
async function deadLetterOverLimit(db: Queryable, d: DueslagRef): Promise<void> {
  await db.query(
    `UPDATE bfo_levering SET tilstand = 'doed', laan = NULL, sidste_fejl = COALESCE(sidste_fejl, 'not acknowledged within the delivery limit')
     WHERE id IN (SELECT id FROM bfo_levering
                  WHERE dueslag = $1 AND tilstand IN ('klar', 'udleveret') AND synlig_fra <= clock_timestamp() AND forsoeg >= $2
                  FOR UPDATE SKIP LOCKED)`,
    [d.uuid, d.maxLeveringer],
  );
}

/**
 * Moves rows over the delivery limit to the dead-letter list, then hands out up to `max` due rows
 * under new leases, in one transaction.
 */
export async function claimDue(tx: Queryable, d: DueslagRef, max: number, visibilityMs: number): Promise<ClaimedRow[]> {
  await deadLetterOverLimit(tx, d);
  const { rows } = await tx.query<ClaimedRow>(
    `WITH picked AS (
       SELECT l.id FROM bfo_levering l
       WHERE l.dueslag = $1 AND l.tilstand IN ('klar', 'udleveret') AND l.synlig_fra <= clock_timestamp()
         -- Ordered per object: not while an earlier message about the same object is unacknowledged.
         AND (NOT $4 OR l.objekt IS NULL OR NOT EXISTS (
               SELECT 1 FROM bfo_levering e
               WHERE e.dueslag = l.dueslag AND e.objekt = l.objekt AND e.id < l.id AND e.tilstand IN ('klar', 'udleveret')))
       ORDER BY l.id LIMIT $2 FOR UPDATE SKIP LOCKED
     ), upd AS (
       UPDATE bfo_levering l
       SET tilstand = 'udleveret', forsoeg = l.forsoeg + 1, laan = gen_random_uuid(), leveret = clock_timestamp(),
           synlig_fra = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
       FROM picked WHERE l.id = picked.id
       RETURNING l.id, l.laan, l.forsoeg, l.abonnement, l.tilladt_modtager, l.besked_seq, l.leveret
     )
     SELECT upd.id::text AS id, upd.laan::text AS laan, upd.forsoeg, upd.abonnement::text AS abonnement, upd.tilladt_modtager,
            b.besked_id::text AS besked_id, b.kuvert, to_json(b.modtaget)#>>'{}' AS modtaget, to_json(upd.leveret)#>>'{}' AS leveret
     FROM upd JOIN bfo_besked b ON b.seq = upd.besked_seq
     ORDER BY upd.id`,
    [d.uuid, max, visibilityMs, d.ordnet === true],
  );
  return rows;
}

/** Parses receipts, keeping only well-formed ones (the others are reported as not acknowledged). */
function receiptsOf(receipts: readonly string[]): { ids: string[]; leases: string[]; raw: string[] } {
  const ids: string[] = [];
  const leases: string[] = [];
  const raw: string[] = [];
  for (const r of receipts) {
    const p = parseReceipt(r);
    if (!p) continue;
    ids.push(p.id);
    leases.push(p.lease);
    raw.push(r);
  }
  return { ids, leases, raw };
}

export class StoreTransport implements BfoTransport {
  readonly name = 'store' as const;
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Dueslag woken while nobody waited: the next wait returns at once (a claim may have just missed it). */
  private readonly woken = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditDeliveries,
    /** How often a long-poll looks again when nothing woke it (other instances' sends). */
    private readonly pollMs = Math.min(store.profile.pollIntervalMs, 250),
  ) {}

  async start(): Promise<void> {}

  readonly records = 'rows' as const;

  async committed(message: CommittedMessage): Promise<void> {
    for (const uuid of new Set(message.deliveries.map((d) => d.dueslag))) this.wake(uuid);
  }

  /** Wakes long-polls waiting on a dueslag in this process. */
  wake(uuid: string): void {
    const set = this.waiters.get(uuid);
    if (!set) {
      this.woken.add(uuid);
      return;
    }
    this.waiters.delete(uuid);
    for (const w of set) w();
  }

  private waitFor(uuid: string, ms: number): Promise<void> {
    if (this.woken.delete(uuid)) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(uuid);
      if (!set) this.waiters.set(uuid, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  async declare(): Promise<void> {}
  async remove(uuid: string): Promise<void> {
    this.wake(uuid);
  }

  async receive(d: DueslagRef, o: ReceiveOptions): Promise<Delivery[]> {
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      this.woken.delete(d.uuid);
      const rows = await this.store.transaction(async (tx) => {
        const claimed = await claimDue(tx, d, o.max, o.visibilityMs);
        await this.audit(
          tx,
          claimed.map((r) => ({ dueslag: d.uuid, ejer: d.ejer, beskedId: r.besked_id, forsoeg: r.forsoeg, via: 'pull' as const })),
        );
        return claimed;
      });
      const left = deadline - Date.now();
      if (rows.length || left <= 0 || this.closed) return rows.map(deliveryOf);
      await this.waitFor(d.uuid, Math.min(left, this.pollMs));
    }
  }

  async ack(d: DueslagRef, receipts: readonly string[]): Promise<string[]> {
    const r = receiptsOf(receipts);
    if (!r.ids.length) return [];
    const { rows } = await this.store.query<{ id: string; laan: string }>(
      `UPDATE bfo_levering l SET tilstand = 'kvitteret', kvitteret = clock_timestamp(), laan = NULL
       FROM unnest($2::bigint[], $3::uuid[]) AS k(id, laan)
       WHERE l.dueslag = $1 AND l.id = k.id AND l.laan = k.laan AND l.tilstand = 'udleveret'
       RETURNING l.id::text AS id, k.laan::text AS laan`,
      [d.uuid, r.ids, r.leases],
    );
    return rows.map((x) => `${x.id}.${x.laan}`);
  }

  async nack(d: DueslagRef, receipts: readonly string[], delayMs: number): Promise<string[]> {
    const r = receiptsOf(receipts);
    if (!r.ids.length) return [];
    const { rows } = await this.store.query<{ id: string; laan: string }>(
      `UPDATE bfo_levering l SET tilstand = 'klar', laan = NULL,
         synlig_fra = clock_timestamp() + make_interval(secs => $4::double precision / 1000)
       FROM unnest($2::bigint[], $3::uuid[]) AS k(id, laan)
       WHERE l.dueslag = $1 AND l.id = k.id AND l.laan = k.laan AND l.tilstand = 'udleveret'
       RETURNING l.id::text AS id, k.laan::text AS laan`,
      [d.uuid, r.ids, r.leases, delayMs],
    );
    if (delayMs === 0) this.wake(d.uuid);
    return rows.map((x) => `${x.id}.${x.laan}`);
  }

  async deadLetters(d: DueslagRef, limit: number): Promise<DeadLetter[]> {
    // Rows over the limit become dead letters when next looked at; look now, so the list is current.
    await deadLetterOverLimit(this.store, d);
    const { rows } = await this.store.query<{ besked_id: string; forsoeg: number; modtaget: string; sidste_fejl: string | null }>(
      `SELECT b.besked_id::text AS besked_id, l.forsoeg, to_json(b.modtaget)#>>'{}' AS modtaget, l.sidste_fejl
       FROM bfo_levering l JOIN bfo_besked b ON b.seq = l.besked_seq
       WHERE l.dueslag = $1 AND l.tilstand = 'doed' ORDER BY l.id LIMIT $2`,
      [d.uuid, limit],
    );
    return rows.map((r) => ({ beskedId: r.besked_id, forsoeg: r.forsoeg, modtaget: r.modtaget, sidsteFejl: r.sidste_fejl ?? undefined }));
  }

  async redrive(d: DueslagRef, beskedIds?: readonly string[]): Promise<number> {
    const { rowCount } = await this.store.query(
      `UPDATE bfo_levering l SET tilstand = 'klar', forsoeg = 0, synlig_fra = '-infinity', laan = NULL, sidste_fejl = NULL
       FROM bfo_besked b
       WHERE b.seq = l.besked_seq AND l.dueslag = $1 AND l.tilstand = 'doed' AND ($2::uuid[] IS NULL OR b.besked_id = ANY($2::uuid[]))`,
      [d.uuid, beskedIds ?? null],
    );
    this.wake(d.uuid);
    return rowCount;
  }

  async replay(d: DueslagRef, fromSeq: string): Promise<number> {
    const { rowCount } = await this.store.query(
      `UPDATE bfo_levering SET tilstand = 'klar', forsoeg = 0, synlig_fra = '-infinity', laan = NULL, kvitteret = NULL
       WHERE dueslag = $1 AND tilstand = 'kvitteret' AND besked_seq >= $2::bigint`,
      [d.uuid, fromSeq],
    );
    this.wake(d.uuid);
    return rowCount;
  }

  async stats(d: DueslagRef): Promise<DueslagStats> {
    return queueStats(this.store, d.uuid);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const uuid of [...this.waiters.keys()]) this.wake(uuid);
  }
}

/** Depth, age, throughput and dead letters of a dueslag, from its delivery rows. */
export async function queueStats(db: Queryable, dueslag: string): Promise<DueslagStats> {
  const { rows } = await db.query<{ dybde: string; udleveret: string; aeldste: number | null; kvitteret: string; doede: string }>(
    `SELECT count(*) FILTER (WHERE l.tilstand IN ('klar', 'udleveret', 'publiceres', 'publiceret'))::text AS dybde,
            count(*) FILTER (WHERE l.tilstand = 'udleveret' AND l.synlig_fra > clock_timestamp())::text AS udleveret,
            extract(epoch FROM clock_timestamp() - min(b.modtaget) FILTER (WHERE l.tilstand IN ('klar', 'udleveret', 'publiceres')))::float8 AS aeldste,
            count(*) FILTER (WHERE l.tilstand = 'kvitteret' AND l.kvitteret > clock_timestamp() - interval '60 seconds')::text AS kvitteret,
            count(*) FILTER (WHERE l.tilstand = 'doed')::text AS doede
     FROM bfo_levering l JOIN bfo_besked b ON b.seq = l.besked_seq
     WHERE l.dueslag = $1`,
    [dueslag],
  );
  const r = rows[0]!;
  return {
    dybde: Number(r.dybde),
    udleveret: Number(r.udleveret),
    aeldsteSekunder: Math.max(0, Math.round((r.aeldste ?? 0) * 1000) / 1000),
    leveretPrSekund: Math.round((Number(r.kvitteret) / 60) * 1000) / 1000,
    doede: Number(r.doede),
  };
}
