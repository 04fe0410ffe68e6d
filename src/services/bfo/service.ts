/**
 * The Beskedfordeler: takes a message in, routes it to every matching, entitled dueslag, and
 * hands the transport the deliveries. A message is durable (with all its deliveries) when the
 * ingest transaction commits, before the sender hears back; a BeskedId seen before is
 * acknowledged again and not distributed twice.
 */
import { Grouped } from '../../platform/grouped.ts';
import type { Queryable, Store } from '../../platform/store/store.ts';
import { normaliseId, type Haendelsesbesked } from './domain/envelope.ts';
import { type BfoCaller, type BfoEntitlements, type BeskedtypeInfo } from './domain/entitlements.ts';
import { compileFilter, filterData, listsOf, type FilterData, type Memberships } from './domain/filter.ts';
import { SubscriptionIndex, type Subscription } from './domain/matcher.ts';
import { bfoError } from './errors.ts';
import { explainMessage, explainStored, type MatchExplanation } from './explain.ts';
import { getDueslag, type Dueslag } from './store/admin.ts';
import { memberships } from './store/memberships.ts';
import type { BfoTransport, CommittedMessage, NewDelivery } from './transport/transport.ts';

export interface SendResult {
  readonly beskedId: string;
  /** True when the BeskedId had been received before: nothing was distributed this time. */
  readonly duplicate: boolean;
  /** How many dueslag the message was routed to (0 for a duplicate). */
  readonly modtagere: number;
}

/** The object a message is about, for ordering per object: its first ObjektId. */
function objectOf(b: Haendelsesbesked): string | undefined {
  const f = b.beskedkuvert.filtreringsdata;
  const id = f.objektRegistrering.find((r) => r.objektId)?.objektId ?? f.relateretObjekt[0]?.objektId;
  return id === undefined ? undefined : normaliseId(id);
}

/** A message admitted and routed, to be written. */
interface Ingest {
  readonly besked: Haendelsesbesked;
  readonly beskedtype: BeskedtypeInfo;
  readonly routed: readonly Omit<NewDelivery, 'beskedSeq'>[];
}

/** What writing a message did: nothing (a BeskedId seen before), or stored it with its deliveries. */
interface Written {
  readonly duplicate: boolean;
  /** Deliveries (0 for a duplicate), and how many of them are push. */
  readonly modtagere: number;
  readonly push: number;
  readonly committed?: CommittedMessage;
}

interface Failed {
  readonly failed: unknown;
}

/** A routed delivery as the ingest statement and the message's `leveringer` hold it. */
const routedJson = (d: Omit<NewDelivery, 'beskedSeq'>) => ({
  dueslag: d.dueslag,
  abonnement: d.abonnement,
  tilladt: d.tilladtModtager ?? null,
});

interface IndexCache {
  readonly version: string;
  readonly index: SubscriptionIndex;
  /** Per beskedtype, the value lists its subscriptions refer to. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** Per dueslag, its owner (for entitlement questions) and how it is delivered. */
  readonly owners: ReadonlyMap<string, { ejer: string; levering: string }>;
}

export class Beskedfordeler {
  private cache: IndexCache | undefined;
  /** Called when a send created push deliveries (wakes the push worker). */
  onPushDue: (() => void) | undefined;

  /** Sends that arrive together are written in one statement (group commit). */
  private readonly sends: Grouped<Ingest, Written | Failed>;

  constructor(
    private readonly store: Store,
    readonly transport: BfoTransport,
    readonly entitlements: BfoEntitlements,
  ) {
    this.sends = new Grouped((items) => this.writeSends(items), { lanes: store.profile.connections === 'pool' ? 3 : 1, max: 200 });
  }

  private loading: { version: string; db: Queryable; promise: Promise<IndexCache> } | undefined;

  /** The subscription index, rebuilt when any instance changed the subscriptions. */
  async index(db: Queryable): Promise<IndexCache> {
    const { rows } = await db.query<{ version: string }>('SELECT version::text AS version FROM bfo_abonnement_version WHERE id = 1');
    const version = rows[0]!.version;
    if (this.cache?.version === version) return this.cache;
    // Concurrent sends that see the same new version share one rebuild, when they read through
    // the same connection: on the single-connection backend, a send waiting for a rebuild that
    // runs inside the relay's transaction (or the reverse) would wait forever.
    if (this.loading?.version === version && this.loading.db === db) return this.loading.promise;
    const promise = this.load(db, version).finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    this.loading = { version, db, promise };
    return promise;
  }

  private async load(db: Queryable, version: string): Promise<IndexCache> {
    const subs = await db.query<{ uuid: string; dueslag: string; beskedtype: string; filter: unknown; ejer: string; levering: string }>(
      `SELECT a.uuid::text AS uuid, a.dueslag::text AS dueslag, a.beskedtype::text AS beskedtype, a.filter, d.ejer, d.levering
       FROM bfo_abonnement a JOIN bfo_dueslag d ON d.uuid = a.dueslag ORDER BY a.oprettet, a.uuid`,
    );
    const list: Subscription[] = [];
    const lists = new Map<string, Set<string>>();
    const owners = new Map<string, { ejer: string; levering: string }>();
    for (const r of subs.rows) {
      const filter = compileFilter(r.filter);
      list.push({ uuid: r.uuid, dueslag: r.dueslag, beskedtype: r.beskedtype, filter });
      owners.set(r.dueslag, { ejer: r.ejer, levering: r.levering });
      for (const l of listsOf(filter)) {
        let set = lists.get(r.beskedtype);
        if (!set) lists.set(r.beskedtype, (set = new Set()));
        set.add(l);
      }
    }
    this.cache = {
      version,
      index: new SubscriptionIndex(list),
      lists: new Map([...lists].map(([k, v]) => [k, [...v]])),
      owners,
    };
    return this.cache;
  }

  /**
   * Everything routing reads, in one round trip: the subscription version, the beskedtype, and
   * which of the message's values are in the value lists the beskedtype's subscriptions use.
   * The index is rebuilt (and memberships read again) when the version moved.
   */
  private async prepare(
    db: Queryable,
    besked: Haendelsesbesked,
  ): Promise<{ cache: IndexCache; beskedtype: BeskedtypeInfo | undefined; data: FilterData; lists: Memberships }> {
    const type = besked.beskedkuvert.filtreringsdata.beskedtype;
    const data = filterData(besked);
    const cached = this.cache;
    const wanted = cached?.lists.get(type) ?? [];
    const values = wanted.length ? [...new Set([...data.values()].flat())] : [];
    const { rows } = await db.query<{ version: string; beskedtype: BeskedtypeInfo | null; members: [string, string][] | null }>(
      `SELECT (SELECT version::text FROM bfo_abonnement_version WHERE id = 1) AS version,
              (SELECT json_build_object('uuid', uuid::text, 'ejer', ejer, 'sensitivitet', sensitivitet)
                 FROM bfo_beskedtype WHERE uuid = $1) AS beskedtype,
              (SELECT json_agg(json_build_array(liste::text, vaerdi)) FROM bfo_vaerdi
                 WHERE liste = ANY($2::uuid[]) AND vaerdi = ANY($3::text[])) AS members`,
      [type, wanted, values],
    );
    const row = rows[0]!;
    if (cached && cached.version === row.version) {
      const lists = new Map<string, Set<string>>();
      for (const [liste, vaerdi] of row.members ?? []) {
        let set = lists.get(liste);
        if (!set) lists.set(liste, (set = new Set()));
        set.add(vaerdi);
      }
      return { cache: cached, beskedtype: row.beskedtype ?? undefined, data, lists };
    }
    const cache = await this.index(db);
    return { cache, beskedtype: row.beskedtype ?? undefined, data, lists: await memberships(db, cache.lists.get(type) ?? [], data) };
  }

  /** Matches a message and asks the entitlements: one delivery per dueslag, under its first matching subscription. */
  private async routeWith(
    db: Queryable,
    prepared: { cache: IndexCache; data: FilterData; lists: Memberships },
    besked: Haendelsesbesked,
    beskedtype: BeskedtypeInfo,
  ): Promise<Omit<NewDelivery, 'beskedSeq'>[]> {
    const { cache, data, lists } = prepared;
    const type = besked.beskedkuvert.filtreringsdata.beskedtype;
    const perDueslag = new Map<string, Subscription>();
    for (const s of cache.index.match(type, data, lists)) if (!perDueslag.has(s.dueslag)) perDueslag.set(s.dueslag, s);
    if (perDueslag.size === 0) return [];
    const matched = [...perDueslag.values()];
    const f = besked.beskedkuvert.filtreringsdata;
    const decisions = await this.entitlements.mayReceive(
      matched.map((s) => ({
        dueslag: { uuid: s.dueslag, ejer: cache.owners.get(s.dueslag)?.ejer ?? '' },
        beskedtype,
        ansvarligMyndighed: f.objektRegistrering.flatMap((r) => r.objektAnsvarligMyndighed ?? []),
        opgaveEmne: f.objektRegistrering.flatMap((r) => r.opgaveEmne ?? []),
        tilladtModtager: f.tilladtModtager,
      })),
      db,
    );
    const out: Omit<NewDelivery, 'beskedSeq'>[] = [];
    matched.forEach((s, i) => {
      const d = decisions[i];
      if (!d?.allowed) return;
      const same = d.tilladtModtager.length === f.tilladtModtager.length && d.tilladtModtager.every((t, j) => t === f.tilladtModtager[j]);
      out.push({
        dueslag: s.dueslag,
        abonnement: s.uuid,
        tilladtModtager: same ? undefined : d.tilladtModtager,
        push: cache.owners.get(s.dueslag)?.levering === 'push',
      });
    });
    return out;
  }

  /**
   * Admits and routes a message: the beskedtype must exist and the sender may send it (when a
   * caller is checked), then the deliveries. One read round trip.
   */
  private async admitAndRoute(
    db: Queryable,
    besked: Haendelsesbesked,
    caller: BfoCaller | undefined,
    check: boolean,
  ): Promise<{ beskedtype: BeskedtypeInfo; routed: Omit<NewDelivery, 'beskedSeq'>[] }> {
    const prepared = await this.prepare(db, besked);
    const type = besked.beskedkuvert.filtreringsdata.beskedtype;
    const beskedtype = prepared.beskedtype;
    if (!beskedtype) throw bfoError('BFO_UNKNOWN_BESKEDTYPE', `Beskedtype ${type} is not registered`, { beskedtype: type });
    if (check) {
      const may = await this.entitlements.maySend({ caller, beskedtype, besked });
      if (!may.allowed) throw bfoError('BFO_SENDER_NOT_ENTITLED', may.reason);
      if (may.tilladtModtager) {
        // About the sender's municipality: routed (and filtered) as if the sender had named it.
        besked.beskedkuvert.filtreringsdata.tilladtModtager = [...may.tilladtModtager];
        return { beskedtype, routed: await this.routeWith(db, await this.prepare(db, besked), besked, beskedtype) };
      }
    }
    return { beskedtype, routed: await this.routeWith(db, prepared, besked, beskedtype) };
  }

  /**
   * Stores messages and their deliveries in one statement (atomic on its own, or part of the
   * caller's transaction). Nothing is written for a BeskedId seen before (or earlier in the same
   * batch). Where the transport records deliveries on the message, they are written there, with the
   * row that stands until the broker confirmed them: the forwarder may publish it `republishAfter`
   * seconds on.
   */
  private async write(db: Queryable, items: readonly Ingest[], republishAfter: number): Promise<Written[]> {
    const onMessage = this.transport.records === 'message';
    const idOf = (it: Ingest) => normaliseId(it.besked.beskedId);
    const first = new Map<string, number>();
    items.forEach((it, i) => {
      if (!first.has(idOf(it))) first.set(idOf(it), i);
    });
    const unique = items.filter((it, i) => first.get(idOf(it)) === i);
    // Push dueslag are served from the store whatever the transport (see transport/push.ts).
    const asRows = unique.map((it) => (onMessage ? it.routed.filter((d) => d.push) : it.routed).map(routedJson));
    const published = unique.map((it) => (onMessage ? it.routed.filter((d) => !d.push) : []));
    const { rows } = await db.query<{ besked_id: string; seq: string; modtaget: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
                WITH ORDINALITY AS x(besked_id, beskedtype, afsender, kuvert, leveringer, objekt, i)
       ), b AS (
         INSERT INTO bfo_besked (besked_id, beskedtype, afsender, kuvert, leveringer)
         SELECT besked_id, beskedtype, afsender, kuvert::json, leveringer::jsonb FROM input ORDER BY i
         ON CONFLICT (besked_id) DO NOTHING RETURNING seq, besked_id, modtaget, leveringer IS NOT NULL AS udgives
       ), l AS (
         INSERT INTO bfo_levering (dueslag, besked_seq, abonnement, tilladt_modtager, tilstand, objekt)
         SELECT d.dueslag, b.seq, d.abonnement,
                CASE WHEN d.tilladt IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(d.tilladt)) END, 'klar', input.objekt
         FROM b JOIN input ON input.besked_id = b.besked_id
         CROSS JOIN LATERAL jsonb_to_recordset($7::jsonb -> (input.i::int - 1)) AS d(dueslag uuid, abonnement uuid, tilladt jsonb)
       ), u AS (
         INSERT INTO bfo_udgivelse (seq, udgiv_efter)
         SELECT b.seq, clock_timestamp() + make_interval(secs => $8) FROM b WHERE b.udgives
       )
       SELECT besked_id::text AS besked_id, seq::text AS seq, to_json(modtaget)#>>'{}' AS modtaget FROM b`,
      [
        unique.map((it) => it.besked.beskedId),
        unique.map((it) => it.beskedtype.uuid),
        unique.map((it) => it.besked.beskedkuvert.filtreringsdata.beskedAnsvarligAktoer ?? null),
        unique.map((it) => JSON.stringify(it.besked)),
        published.map((p) => (p.length ? JSON.stringify(p.map(routedJson)) : null)),
        unique.map((it) => objectOf(it.besked) ?? null),
        JSON.stringify(asRows),
        republishAfter,
      ],
    );
    const stored = new Map(rows.map((r) => [normaliseId(r.besked_id), r]));
    return items.map((it, i) => {
      const row = first.get(idOf(it)) === i ? stored.get(idOf(it)) : undefined;
      if (!row) return { duplicate: true, push: 0, modtagere: 0 };
      return {
        duplicate: false,
        push: it.routed.filter((d) => d.push).length,
        modtagere: it.routed.length,
        committed: {
          seq: row.seq,
          beskedId: it.besked.beskedId,
          modtaget: row.modtaget,
          besked: it.besked,
          deliveries: it.routed.filter((d) => !d.push).map((d) => ({ ...d, beskedSeq: row.seq })),
        },
      };
    });
  }

  /**
   * Writes the sends that arrived together in one statement; when that fails, each on its own, so
   * one message's failure is its own.
   */
  private async writeSends(items: Ingest[]): Promise<(Written | Failed)[]> {
    const after = this.transport.republishAfterSeconds ?? 0;
    try {
      return await this.write(this.store, items, after);
    } catch (err) {
      if (items.length === 1) return [{ failed: err }];
      return Promise.all(
        items.map((it) =>
          this.write(this.store, [it], after).then(
            (r) => r[0]!,
            (e: unknown) => ({ failed: e }),
          ),
        ),
      );
    }
  }

  /**
   * Stores a message from one of the platform's own registers with the caller's transaction (the
   * outbox relay's): routed and written through it, so it commits with the outbox acknowledgement.
   * On RabbitMQ the forwarder publishes it (nothing here knows when the caller commits).
   */
  async ingestIn(tx: Queryable, besked: Haendelsesbesked): Promise<{ duplicate: boolean; modtagere: number }> {
    const { beskedtype, routed } = await this.admitAndRoute(tx, besked, undefined, false);
    const [r] = await this.write(tx, [{ besked, beskedtype, routed }], 0);
    return { duplicate: r!.duplicate, modtagere: r!.modtagere };
  }

  /**
   * Receives a message from a sender: admitted, routed, durable (one read and one atomic write),
   * then acknowledged; the transport is told as soon as it is durable (RabbitMQ publishes it then).
   */
  async send(besked: Haendelsesbesked, caller: BfoCaller | undefined): Promise<SendResult> {
    const { beskedtype, routed } = await this.admitAndRoute(this.store, besked, caller, true);
    const result = await this.sends.add({ besked, beskedtype, routed });
    if ('failed' in result) throw result.failed;
    if (result.committed) {
      await this.transport.committed(result.committed);
      if (result.push) this.onPushDue?.();
    }
    return { beskedId: besked.beskedId, duplicate: result.duplicate, modtagere: result.modtagere };
  }

  /** Would this message (given by the caller) match this subscription, and why (not)? */
  explain(abonnementUuid: string, besked: Haendelsesbesked): Promise<MatchExplanation> {
    return explainMessage(this.store, this.entitlements, abonnementUuid, besked);
  }

  /** Did a stored message match this subscription, and why (not)? Only for a caller who may see it (explain.ts). */
  explainStored(abonnementUuid: string, beskedId: string, caller: BfoCaller | undefined): Promise<MatchExplanation> {
    return explainStored(this.store, this.entitlements, abonnementUuid, beskedId, caller);
  }

  /** The dueslag, for the transport's operations; refuses callers the entitlements do not let manage it. */
  async dueslag(uuid: string, caller: BfoCaller | undefined): Promise<Dueslag> {
    const d = await getDueslag(this.store, uuid);
    await this.mayManage(caller, d.ejer, 'BFO_DUESLAG_NOT_FOUND');
    return d;
  }

  /**
   * Refuses a caller the entitlements do not let administer what `ejer` owns: as not found where
   * the object exists (its existence is not revealed), else as not entitled.
   */
  async mayManage(
    caller: BfoCaller | undefined,
    ejer: string,
    asNotFound?: 'BFO_DUESLAG_NOT_FOUND' | 'BFO_ABONNEMENT_NOT_FOUND' | 'BFO_VAERDILISTE_NOT_FOUND',
  ): Promise<void> {
    const may = await this.entitlements.mayManage(caller, ejer);
    if (may.allowed) return;
    throw asNotFound ? bfoError(asNotFound) : bfoError('BFO_NOT_OWNER', may.reason);
  }

  /** Re-delivers a dueslag's retained messages from a time or a BeskedId on. */
  async replay(d: Dueslag, from: { time?: string | undefined; beskedId?: string | undefined }): Promise<number> {
    let seq: string;
    if (from.beskedId) {
      const { rows } = await this.store.query<{ seq: string; inside: boolean }>(
        `SELECT b.seq::text AS seq, b.modtaget >= clock_timestamp() - make_interval(secs => $3) AS inside
         FROM bfo_besked b
         WHERE b.besked_id = $1
           AND (EXISTS (SELECT 1 FROM bfo_levering l WHERE l.besked_seq = b.seq AND l.dueslag = $2)
                OR (b.leveringer @> jsonb_build_array(jsonb_build_object('dueslag', $2::text))
                    AND b.modtaget >= clock_timestamp() - make_interval(secs => $3)))`,
        [from.beskedId, d.uuid, d.opbevaringSekunder],
      );
      if (!rows[0]) throw bfoError('BFO_BESKED_NOT_FOUND', `Message ${from.beskedId} was not delivered to this dueslag within retention`);
      if (!rows[0].inside)
        throw bfoError('BFO_REPLAY_OUT_OF_RETENTION', `Message ${from.beskedId} is older than the retention of the dueslag`);
      seq = rows[0].seq;
    } else {
      const { rows } = await this.store.query<{ inside: boolean; seq: string | null }>(
        `SELECT $1::timestamptz >= clock_timestamp() - make_interval(secs => $2) AS inside,
                (SELECT min(seq)::text FROM bfo_besked WHERE modtaget >= $1::timestamptz) AS seq`,
        [from.time, d.opbevaringSekunder],
      );
      if (!rows[0]!.inside) throw bfoError('BFO_REPLAY_OUT_OF_RETENTION', `${from.time} is before the retention of the dueslag`);
      if (rows[0]!.seq === null) return 0;
      seq = rows[0]!.seq;
    }
    return this.transport.replay(d, seq);
  }

  /** Removes what retention no longer keeps: acknowledged deliveries, then messages nobody holds. */
  async purge(): Promise<{ leveringer: number; beskeder: number }> {
    const l = await this.store.query(
      `DELETE FROM bfo_levering l USING bfo_dueslag d, bfo_besked b
       WHERE d.uuid = l.dueslag AND b.seq = l.besked_seq AND l.tilstand IN ('kvitteret', 'publiceret')
         AND b.modtaget < clock_timestamp() - make_interval(secs => d.opbevaring_sekunder)`,
    );
    const b = await this.store.query(
      `DELETE FROM bfo_besked b
       WHERE b.modtaget < clock_timestamp() - make_interval(secs => COALESCE((SELECT max(opbevaring_sekunder) FROM bfo_dueslag), 604800))
         AND NOT EXISTS (SELECT 1 FROM bfo_levering l WHERE l.besked_seq = b.seq)
         AND NOT EXISTS (SELECT 1 FROM bfo_udgivelse u WHERE u.seq = b.seq)`,
    );
    return { leveringer: l.rowCount, beskeder: b.rowCount };
  }
}
