/**
 * The store side of the RabbitMQ transport. A message's deliveries are recorded on it at ingest,
 * with a `bfo_udgivelse` row until the broker confirmed them; a replay puts delivery rows
 * (`publiceres`) in the store. Both are an outbox to the broker: these queries write each
 * receiver's copy, take a batch to publish (locked, so instances share the work), mark it
 * confirmed, put retained deliveries back for a replay, and say what is still waiting. No broker
 * code here.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../platform/store/store.ts';
import type { Haendelsesbesked } from '../domain/envelope.ts';
import { forReceiver } from '../domain/route.ts';
import { envelopeToXml } from '../domain/xml.ts';

/** A delivery to publish, as the receiver will get it. */
export interface Publishable {
  /** What is marked once the broker confirmed it: a delivery row's id, or a message's seq. */
  readonly key: string;
  readonly dueslag: string;
  readonly abonnement: string;
  readonly beskedId: string;
  /** The envelope in the published XML form, with its receivers and Leverancerute. */
  readonly body: Buffer;
}

/** A batch taken to publish: what to publish, and the keys to mark once the broker confirmed it. */
export interface Batch {
  readonly keys: readonly string[];
  readonly publish: readonly Publishable[];
}

/** A delivery as routing decided it: the dueslag, under which subscription, and rewritten receivers. */
export interface Routed {
  readonly dueslag: string;
  readonly abonnement: string;
  readonly tilladt?: readonly string[] | null | undefined;
}

/** Stands where the subscription goes, so a message is written as XML once for all its receivers. */
const ABONNEMENT_MARK = `abonnement-${randomUUID()}`;

/**
 * Each receiver's copy of a message, as published: written as XML once; the copies differ only in
 * their subscription (and, where the entitlements rewrote them, their receivers).
 */
export function bodiesFor(kuvert: Haendelsesbesked, modtaget: string, leveret: string, routed: readonly Routed[]): Buffer[] {
  const facts = { modtaget, leveret, forsoeg: 1 };
  let shared: string | undefined;
  return routed.map((l) => {
    if (l.tilladt)
      return Buffer.from(envelopeToXml(forReceiver(kuvert, { ...facts, abonnement: l.abonnement, tilladtModtager: l.tilladt })));
    shared ??= envelopeToXml(forReceiver(kuvert, { ...facts, abonnement: ABONNEMENT_MARK }));
    return Buffer.from(shared.replace(ABONNEMENT_MARK, l.abonnement));
  });
}

interface MessageRow extends Record<string, unknown> {
  key: string;
  besked_id: string;
  kuvert: Haendelsesbesked;
  modtaget: string;
  nu: string;
  leveringer: (Routed & { key?: string })[] | null;
}

function publishables(rows: readonly MessageRow[]): Publishable[] {
  return rows.flatMap((r) => {
    const routed = r.leveringer ?? [];
    const bodies = bodiesFor(r.kuvert, r.modtaget, r.nu, routed);
    return routed.map((l, i) => ({
      key: l.key ?? r.key,
      dueslag: l.dueslag,
      abonnement: l.abonnement,
      beskedId: r.besked_id,
      body: bodies[i]!,
    }));
  });
}

/**
 * Delivery rows to publish (a replay put them there), up to `limit`, locked for the caller's
 * transaction, oldest first.
 */
export async function takePublishable(tx: Queryable, limit: number): Promise<Batch> {
  const { rows } = await tx.query<MessageRow>(
    `WITH picked AS (
       SELECT id FROM bfo_levering WHERE tilstand = 'publiceres' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
     )
     SELECT b.seq::text AS key, b.besked_id::text AS besked_id, b.kuvert, to_json(b.modtaget)#>>'{}' AS modtaget,
            to_json(clock_timestamp())#>>'{}' AS nu,
            json_agg(json_build_object('key', l.id::text, 'dueslag', l.dueslag::text, 'abonnement', l.abonnement::text,
                                       'tilladt', l.tilladt_modtager) ORDER BY l.id) AS leveringer
     FROM picked JOIN bfo_levering l ON l.id = picked.id JOIN bfo_besked b ON b.seq = l.besked_seq
     GROUP BY b.seq
     ORDER BY min(l.id)`,
    [limit],
  );
  const publish = publishables(rows);
  return { keys: publish.map((p) => p.key), publish };
}

/** Marks delivery rows the broker confirmed. */
export async function markPublished(tx: Queryable, ids: readonly string[]): Promise<void> {
  await tx.query(`UPDATE bfo_levering SET tilstand = 'publiceret', leveret = clock_timestamp() WHERE id = ANY($1::bigint[])`, [ids]);
}

/**
 * Messages whose deliveries the broker has not confirmed and that are due to the forwarder (the
 * process that took them did not have them confirmed in time), up to `limit`, locked for the
 * caller's transaction, oldest first. Deliveries to dueslag removed since are left out.
 */
export async function takeUnconfirmed(tx: Queryable, limit: number): Promise<Batch> {
  const { rows } = await tx.query<MessageRow>(
    `WITH picked AS (
       SELECT seq FROM bfo_udgivelse WHERE udgiv_efter <= clock_timestamp() ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
     )
     SELECT b.seq::text AS key, b.besked_id::text AS besked_id, b.kuvert, to_json(b.modtaget)#>>'{}' AS modtaget,
            to_json(clock_timestamp())#>>'{}' AS nu,
            (SELECT jsonb_agg(x) FROM jsonb_array_elements(b.leveringer) x
              WHERE EXISTS (SELECT 1 FROM bfo_dueslag d WHERE d.uuid = (x->>'dueslag')::uuid)) AS leveringer
     FROM picked JOIN bfo_besked b ON b.seq = picked.seq
     ORDER BY b.seq`,
    [limit],
  );
  // A message with nothing left to publish is marked all the same.
  return { keys: rows.map((r) => r.key), publish: publishables(rows) };
}

/** Messages whose every delivery the broker confirmed. */
export async function markConfirmed(tx: Queryable, seqs: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM bfo_udgivelse WHERE seq = ANY($1::bigint[])', [seqs]);
}

/** The delivery limit and owner of a dueslag the transport has not declared yet. */
export async function dueslagFacts(db: Queryable, uuid: string): Promise<{ maxLeveringer: number; ejer: string }> {
  const { rows } = await db.query<{ max_leveringer: number; ejer: string }>(
    'SELECT max_leveringer, ejer FROM bfo_dueslag WHERE uuid = $1',
    [uuid],
  );
  return { maxLeveringer: rows[0]?.max_leveringer ?? 10, ejer: rows[0]?.ejer ?? '' };
}

/**
 * Puts a dueslag's published deliveries from a message on (within its retention) back to be
 * published again (a replay): the rows of the store, and the deliveries recorded on messages.
 */
export async function markForReplay(db: Queryable, dueslag: string, fromSeq: string, retentionSeconds: number): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `WITH again AS (
       UPDATE bfo_levering SET tilstand = 'publiceres' WHERE dueslag = $1 AND tilstand = 'publiceret' AND besked_seq >= $2::bigint
       RETURNING 1
     ), fresh AS (
       INSERT INTO bfo_levering (dueslag, besked_seq, abonnement, tilladt_modtager, tilstand)
       SELECT $1, b.seq, (x->>'abonnement')::uuid,
              CASE WHEN jsonb_typeof(x->'tilladt') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(x->'tilladt')) END,
              'publiceres'
       FROM bfo_besked b CROSS JOIN jsonb_array_elements(b.leveringer) x
       WHERE b.seq >= $2::bigint AND b.leveringer IS NOT NULL AND x->>'dueslag' = $1::text
         AND b.modtaget >= clock_timestamp() - make_interval(secs => $3)
       ON CONFLICT (dueslag, besked_seq) DO NOTHING
       RETURNING 1
     )
     SELECT ((SELECT count(*) FROM again) + (SELECT count(*) FROM fresh))::text AS n`,
    [dueslag, fromSeq, retentionSeconds],
  );
  return Number(rows[0]!.n);
}

/** How many of a dueslag's deliveries wait to be published, and the age of the oldest, in seconds. */
export async function waitingToPublish(db: Queryable, dueslag: string): Promise<{ count: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ aeldste: number | null; pending: string }>(
    `WITH waiting AS (
       SELECT b.modtaget FROM bfo_levering l JOIN bfo_besked b ON b.seq = l.besked_seq WHERE l.dueslag = $1 AND l.tilstand = 'publiceres'
       UNION ALL
       SELECT b.modtaget FROM bfo_udgivelse u JOIN bfo_besked b ON b.seq = u.seq
       WHERE b.leveringer @> jsonb_build_array(jsonb_build_object('dueslag', $1::text))
     )
     SELECT extract(epoch FROM clock_timestamp() - min(modtaget))::float8 AS aeldste, count(*)::text AS pending FROM waiting`,
    [dueslag],
  );
  return { count: Number(rows[0]!.pending), oldestSeconds: Math.max(0, Math.round((rows[0]!.aeldste ?? 0) * 1000) / 1000) };
}
