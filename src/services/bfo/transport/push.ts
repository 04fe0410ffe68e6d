/**
 * Push delivery: messages of push dueslag are POSTed to the receiver's endpoint as
 * `ModtagBeskedInput` (namespace `urn:oio:sts:1.0.0`) wrapping the envelope, signed with the
 * dueslag's secret: header `x-bfo-signatur: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * A 2xx answer (with StatusKode 20 if it has a ModtagBeskedOutput) acknowledges it. A failure is
 * retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then the message is a dead letter.
 * Rows are taken with `FOR UPDATE SKIP LOCKED` under a lease, so several instances push in parallel
 * and never the same message at once.
 */
import { createHmac } from 'node:crypto';
import type { Store } from '../../../platform/store/store.ts';
import { envelopeToXml } from '../domain/xml.ts';
import { PUSH_RETRY_DELAYS_MS } from '../domain/route.ts';
import { deliveryOf, type ClaimedRow } from './store-transport.ts';
import type { AuditDeliveries } from './transport.ts';

export interface PushOptions {
  /** Delays before retry 1, 2, …; after the last, the message is a dead letter. */
  readonly delaysMs?: readonly number[];
  readonly batchSize?: number;
  readonly timeoutMs?: number;
}

/** The signature header of a push body. */
export function signPush(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The body of a push: the envelope wrapped in ModtagBeskedInput. */
export function pushBody(envelopeXml: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sts:ModtagBeskedInput xmlns:sts="urn:oio:sts:1.0.0">\n${envelopeXml.replace(/^<\?xml[^>]*\?>\s*/, '')}</sts:ModtagBeskedInput>\n`;
}

type PushRow = ClaimedRow & { dueslag: string; ejer: string; url: string; secret: string };

export class PushDelivery {
  private readonly delays: readonly number[];
  private readonly batchSize: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditDeliveries,
    options: PushOptions = {},
  ) {
    this.delays = options.delaysMs ?? PUSH_RETRY_DELAYS_MS;
    this.batchSize = options.batchSize ?? 20;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Pushes what is due, once. Returns how many messages were attempted. */
  async round(): Promise<number> {
    const rows = await this.store.transaction(async (tx) => {
      const { rows } = await tx.query<PushRow>(
        `WITH picked AS (
           SELECT l.id FROM bfo_levering l JOIN bfo_dueslag d ON d.uuid = l.dueslag AND d.levering = 'push'
           WHERE l.tilstand IN ('klar', 'udleveret') AND l.synlig_fra <= clock_timestamp()
           ORDER BY l.id LIMIT $1 FOR UPDATE OF l SKIP LOCKED
         ), upd AS (
           UPDATE bfo_levering l
           SET tilstand = 'udleveret', forsoeg = l.forsoeg + 1, laan = gen_random_uuid(), leveret = clock_timestamp(),
               synlig_fra = clock_timestamp() + make_interval(secs => $2::double precision / 1000 + 60)
           FROM picked WHERE l.id = picked.id
           RETURNING l.id, l.laan, l.forsoeg, l.abonnement, l.tilladt_modtager, l.besked_seq, l.leveret, l.dueslag
         )
         SELECT upd.id::text AS id, upd.laan::text AS laan, upd.forsoeg, upd.abonnement::text AS abonnement, upd.tilladt_modtager,
                b.besked_id::text AS besked_id, b.kuvert, to_json(b.modtaget)#>>'{}' AS modtaget, to_json(upd.leveret)#>>'{}' AS leveret,
                upd.dueslag::text AS dueslag, d.ejer, d.push_url AS url, d.push_hemmelighed AS secret
         FROM upd JOIN bfo_besked b ON b.seq = upd.besked_seq JOIN bfo_dueslag d ON d.uuid = upd.dueslag
         ORDER BY upd.id`,
        [this.batchSize, this.timeoutMs],
      );
      return rows;
    });
    await Promise.all(rows.map((r) => this.push(r)));
    return rows.length;
  }

  private async push(r: PushRow): Promise<void> {
    const body = pushBody(envelopeToXml(deliveryOf(r).besked));
    let error: string | undefined;
    try {
      const res = await fetch(r.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/xml; charset=utf-8',
          'x-bfo-signatur': signPush(r.secret, body, Math.floor(Date.now() / 1000)),
          'x-bfo-besked-id': r.besked_id,
          'x-bfo-dueslag': r.dueslag,
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      const status = /<(?:\w+:)?StatusKode>\s*(\d+)\s*</.exec(text)?.[1];
      if (!res.ok) error = `HTTP ${res.status}`;
      else if (status !== undefined && status !== '20') error = `StatusKode ${status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    if (error === undefined) {
      await this.store.transaction(async (tx) => {
        const done = await tx.query(
          `UPDATE bfo_levering SET tilstand = 'kvitteret', kvitteret = clock_timestamp(), laan = NULL, sidste_fejl = NULL
           WHERE id = $1 AND laan = $2`,
          [r.id, r.laan],
        );
        if (done.rowCount)
          await this.audit(tx, [{ dueslag: r.dueslag, ejer: r.ejer, beskedId: r.besked_id, forsoeg: r.forsoeg, via: 'push' }]);
      });
      return;
    }
    const delay = this.delays[r.forsoeg - 1];
    await this.store.query(
      delay === undefined
        ? `UPDATE bfo_levering SET tilstand = 'doed', laan = NULL, sidste_fejl = $3 WHERE id = $1 AND laan = $2`
        : `UPDATE bfo_levering SET tilstand = 'klar', laan = NULL, sidste_fejl = $3,
             synlig_fra = clock_timestamp() + make_interval(secs => $4::double precision / 1000)
           WHERE id = $1 AND laan = $2`,
      delay === undefined ? [r.id, r.laan, error.slice(0, 2000)] : [r.id, r.laan, error.slice(0, 2000), delay],
    );
  }
}
