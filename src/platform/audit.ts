import { createHmac, randomBytes } from 'node:crypto';
import type { Queryable, Store } from './store/store.ts';
import { Grouped } from './grouped.ts';

/** One record: who did what to which object about which person, and why. */
export interface AuditEntry {
  readonly actor: string;
  readonly actorCvr?: string | undefined;
  /** e.g. `laes`, `soeg`, `opret`, `ret`, `anonymiser` */
  readonly action: string;
  readonly objectType?: string | undefined;
  readonly objectUuid?: string | undefined;
  /** The CPR number of the person the data is about; stored only as a keyed hash. */
  readonly personCpr?: string | undefined;
  readonly purpose?: string | undefined;
  readonly requestId?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The append-only audit log. CPR numbers are stored as an HMAC with a key kept in the database,
 * so the log can answer "who looked at this person" without holding the number in clear text.
 */
export class AuditLog {
  private constructor(private readonly key: Buffer) {}

  /** Loads (or on first use creates) the hashing key. */
  static async open(store: Store): Promise<AuditLog> {
    await store.query(`INSERT INTO platform_setting (name, value) VALUES ('audit.person_key', $1) ON CONFLICT (name) DO NOTHING`, [
      randomBytes(32).toString('hex'),
    ]);
    const { rows } = await store.query<{ value: string }>(`SELECT value FROM platform_setting WHERE name = 'audit.person_key'`);
    return new AuditLog(Buffer.from(rows[0]!.value, 'hex'));
  }

  /** The reference under which a person's records are stored and found. */
  personRef(cpr: string): string {
    return createHmac('sha256', this.key).update(cpr.replace(/\D/g, '')).digest('hex');
  }

  /**
   * One record per object of a bulk read (the organisation hierarchy's persons), the rest shared:
   * the same rows as `record`, sent as two arrays and the shared values once.
   */
  async recordReads(tx: Queryable, base: AuditReadBase, objects: readonly AuditRead[]): Promise<void> {
    if (objects.length === 0) return;
    await tx.query(
      `INSERT INTO audit_log (actor, actor_cvr, action, object_type, object_uuid, person_ref, purpose, request_id, details)
       SELECT $1, $2, $3, $4, o.uuid, o.ref, $5, $6, $7::jsonb FROM unnest($8::uuid[], $9::text[]) AS o(uuid, ref)`,
      [
        base.actor,
        base.actorCvr ?? null,
        base.action,
        base.objectType ?? null,
        base.purpose ?? null,
        base.requestId ?? null,
        base.details ? JSON.stringify(base.details) : null,
        objects.map((o) => o.uuid),
        objects.map((o) => (o.cpr ? this.personRef(o.cpr) : null)),
      ],
    );
  }

  /** Appends records inside the caller's transaction, so a write and its record commit together. */
  async record(tx: Queryable, entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO audit_log (actor, actor_cvr, action, object_type, object_uuid, person_ref, purpose, request_id, details)
       SELECT e.actor, e.actor_cvr, e.action, e.object_type, e.object_uuid, e.person_ref, e.purpose, e.request_id, e.details
       FROM jsonb_to_recordset($1::jsonb) AS e(actor text, actor_cvr text, action text, object_type text, object_uuid uuid,
                                              person_ref text, purpose text, request_id text, details jsonb)`,
      [
        JSON.stringify(
          entries.map((e) => ({
            actor: e.actor,
            actor_cvr: e.actorCvr ?? null,
            action: e.action,
            object_type: e.objectType ?? null,
            object_uuid: e.objectUuid ?? null,
            person_ref: e.personCpr ? this.personRef(e.personCpr) : null,
            purpose: e.purpose ?? null,
            request_id: e.requestId ?? null,
            details: e.details ?? null,
          })),
        ),
      ],
    );
  }
}

/** What the records of one bulk read share: everything but the object and its person. */
export type AuditReadBase = Omit<AuditEntry, 'objectUuid' | 'personCpr'>;

export interface AuditRead {
  readonly uuid: string;
  readonly cpr?: string | undefined;
}

/**
 * Appends records outside any transaction, grouping those that arrive while writes are under way
 * into the next single INSERT (group commit). Two writes may be under way at once, so one batch's
 * commit overlaps the next batch's insert instead of making it wait. `record` resolves only when
 * its row is committed, so a caller that waits for it (the token endpoint, before it answers)
 * never acts unaudited.
 */
export class GroupedAudit {
  private readonly grouped: Grouped<AuditEntry, undefined>;

  constructor(
    log: AuditLog,
    store: Queryable,
    /** Writes under way at most (1 on a single-connection store). */
    lanes = 2,
  ) {
    this.grouped = new Grouped(
      async (entries) => {
        await log.record(store, entries);
        return entries.map(() => undefined);
      },
      { lanes, max: 500 },
    );
  }

  record(entry: AuditEntry): Promise<void> {
    return this.grouped.add(entry);
  }
}
