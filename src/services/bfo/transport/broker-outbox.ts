/**
 * The store side of the RabbitMQ transport: delivery rows recorded at ingest (`publiceres`) are an
 * outbox to the broker. These queries take a batch to publish (locked, so instances share the
 * work), mark it published in the same transaction, put retained rows back for a replay, and say
 * what is still waiting. No broker code here.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../platform/store/store.ts';
import type { Haendelsesbesked } from '../domain/envelope.ts';
import { forReceiver } from '../domain/route.ts';
import { envelopeToXml } from '../domain/xml.ts';

/** A delivery to publish, as the receiver will get it. */
export interface Publishable {
  readonly id: string;
  readonly dueslag: string;
  readonly abonnement: string;
  readonly beskedId: string;
  /** The envelope in the published XML form, with its receivers and Leverancerute. */
  readonly body: Buffer;
}

interface Row extends Record<string, unknown> {
  besked_id: string;
  kuvert: Haendelsesbesked;
  modtaget: string;
  nu: string;
  leveringer: { id: string; dueslag: string; abonnement: string; tilladt: string[] | null }[];
}

/** Stands where the subscription goes, so a message is written as XML once for all its receivers. */
const ABONNEMENT_MARK = `abonnement-${randomUUID()}`;

/**
 * Takes up to `limit` rows to publish, locked for the caller's transaction, oldest first. A message
 * is read and written as XML once; each receiver's copy differs only in its subscription (and,
 * where the entitlements rewrote them, its receivers).
 */
export async function takePublishable(tx: Queryable, limit: number): Promise<Publishable[]> {
  const { rows } = await tx.query<Row>(
    `WITH picked AS (
       SELECT id FROM bfo_levering WHERE tilstand = 'publiceres' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
     )
     SELECT b.besked_id::text AS besked_id, b.kuvert, to_json(b.modtaget)#>>'{}' AS modtaget, to_json(clock_timestamp())#>>'{}' AS nu,
            json_agg(json_build_object('id', l.id::text, 'dueslag', l.dueslag::text, 'abonnement', l.abonnement::text,
                                       'tilladt', l.tilladt_modtager) ORDER BY l.id) AS leveringer
     FROM picked JOIN bfo_levering l ON l.id = picked.id JOIN bfo_besked b ON b.seq = l.besked_seq
     GROUP BY b.seq
     ORDER BY min(l.id)`,
    [limit],
  );
  const out: Publishable[] = [];
  for (const r of rows) {
    const facts = { modtaget: r.modtaget, leveret: r.nu, forsoeg: 1 };
    let shared: string | undefined;
    for (const l of r.leveringer) {
      let xml: string;
      if (l.tilladt) xml = envelopeToXml(forReceiver(r.kuvert, { ...facts, abonnement: l.abonnement, tilladtModtager: l.tilladt }));
      else {
        shared ??= envelopeToXml(forReceiver(r.kuvert, { ...facts, abonnement: ABONNEMENT_MARK }));
        xml = shared.replace(ABONNEMENT_MARK, l.abonnement);
      }
      out.push({ id: l.id, dueslag: l.dueslag, abonnement: l.abonnement, beskedId: r.besked_id, body: Buffer.from(xml) });
    }
  }
  return out;
}

/** Marks rows the broker confirmed. */
export async function markPublished(tx: Queryable, ids: readonly string[]): Promise<void> {
  await tx.query(`UPDATE bfo_levering SET tilstand = 'publiceret', leveret = clock_timestamp() WHERE id = ANY($1::bigint[])`, [ids]);
}

/** The delivery limit and owner of a dueslag the transport has not declared yet. */
export async function dueslagFacts(db: Queryable, uuid: string): Promise<{ maxLeveringer: number; ejer: string }> {
  const { rows } = await db.query<{ max_leveringer: number; ejer: string }>(
    'SELECT max_leveringer, ejer FROM bfo_dueslag WHERE uuid = $1',
    [uuid],
  );
  return { maxLeveringer: rows[0]?.max_leveringer ?? 10, ejer: rows[0]?.ejer ?? '' };
}

/** Puts a dueslag's published rows from a message on back to be published again (a replay). */
export async function markForReplay(db: Queryable, dueslag: string, fromSeq: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE bfo_levering SET tilstand = 'publiceres' WHERE dueslag = $1 AND tilstand = 'publiceret' AND besked_seq >= $2::bigint`,
    [dueslag, fromSeq],
  );
  return rowCount;
}

/** How many of a dueslag's deliveries wait to be published, and the age of the oldest, in seconds. */
export async function waitingToPublish(db: Queryable, dueslag: string): Promise<{ count: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ aeldste: number | null; pending: string }>(
    `SELECT extract(epoch FROM clock_timestamp() - min(b.modtaget))::float8 AS aeldste, count(*)::text AS pending
     FROM bfo_levering l JOIN bfo_besked b ON b.seq = l.besked_seq WHERE l.dueslag = $1 AND l.tilstand = 'publiceres'`,
    [dueslag],
  );
  return { count: Number(rows[0]!.pending), oldestSeconds: Math.max(0, Math.round((rows[0]!.aeldste ?? 0) * 1000) / 1000) };
}
