import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../platform/store/store.ts';
import type { AgreementState, ApprovedAs } from '../domain/rules.ts';

export interface ServiceRow {
  readonly uuid: string;
  readonly name: string;
  readonly entityId: string;
  readonly privileges: string[];
  /** The privileges only the operator may grant (a subset of `privileges`). */
  readonly operatorPrivileges: string[];
}

export interface ItSystemRow {
  readonly uuid: string;
  readonly name: string;
  readonly supplierCvr: string;
  readonly contact: string | null;
}

export interface CredentialRow {
  readonly uuid: string;
  readonly itSystem: string;
  readonly kind: 'certificate' | 'jwk';
  readonly thumbprint: string;
  readonly kid: string | null;
  readonly material: string;
  readonly subject: string | null;
  readonly serial: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  readonly revokedAt: string | null;
}

export interface AgreementRow {
  readonly uuid: string;
  readonly cvr: string;
  readonly itSystem: string;
  readonly service: string;
  /** The service's entity id, as agreements are requested and shown. */
  readonly serviceEntityId: string;
  readonly privileges: string[];
  readonly kle: string[];
  readonly orgUnits: string[];
  readonly validFrom: string;
  readonly validTo: string;
  readonly state: AgreementState;
  readonly requestedBy: string;
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  /** Whose approval it carries; null while requested. */
  readonly approvedAs: ApprovedAs | null;
  readonly revokedBy: string | null;
  readonly revokedAt: string | null;
}

const json = (v: unknown): string[] => (typeof v === 'string' ? (JSON.parse(v) as string[]) : (v as string[]));

const SERVICE_COLS = `uuid, name, entity_id AS "entityId", privileges, operator_privileges AS "operatorPrivileges"`;
const SYSTEM_COLS = `uuid, name, supplier_cvr AS "supplierCvr", contact`;
const CREDENTIAL_COLS = `uuid, it_system AS "itSystem", kind, thumbprint, kid, material, subject, serial,
  not_before AS "notBefore", not_after AS "notAfter", revoked_at AS "revokedAt"`;
const AGREEMENT_COLS = `uuid, cvr, it_system AS "itSystem", service,
  (SELECT s.entity_id FROM adg_service s WHERE s.uuid = service) AS "serviceEntityId", privileges, kle, org_units AS "orgUnits",
  valid_from AS "validFrom", valid_to AS "validTo", state, requested_by AS "requestedBy", approved_by AS "approvedBy",
  approved_at AS "approvedAt", approved_as AS "approvedAs", revoked_by AS "revokedBy", revoked_at AS "revokedAt"`;

const service = (r: Record<string, unknown>) =>
  ({ ...r, privileges: json(r.privileges), operatorPrivileges: json(r.operatorPrivileges) }) as unknown as ServiceRow;

/**
 * An agreement (alias `a`) may be used: it names no privilege its service keeps for the operator,
 * or the operator approved it, or the operator's own tools provisioned it. A municipality's
 * approval never carries an operator-only privilege, also one approved before the privilege was
 * declared operator-only.
 */
const GRANT_VALID = `(a.approved_as IN ('operator', 'provisioned')
  OR NOT EXISTS (SELECT 1 FROM adg_service os WHERE os.uuid = a.service
                   AND os.operator_privileges ?| ARRAY(SELECT jsonb_array_elements_text(a.privileges))))`;
const agreement = (r: Record<string, unknown>) =>
  ({ ...r, privileges: json(r.privileges), kle: json(r.kle), orgUnits: json(r.orgUnits) }) as unknown as AgreementRow;

/** The queries of FK Adgangsstyring for Systemer: services, IT systems, credentials, agreements. */
export const registry = {
  async upsertService(q: Queryable, s: Omit<ServiceRow, 'uuid'>, by: string): Promise<ServiceRow> {
    const { rows } = await q.query(
      `INSERT INTO adg_service (uuid, name, entity_id, privileges, operator_privileges, created_by)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
       ON CONFLICT (name) DO UPDATE SET entity_id = EXCLUDED.entity_id, privileges = EXCLUDED.privileges,
         operator_privileges = EXCLUDED.operator_privileges
       RETURNING ${SERVICE_COLS}`,
      [randomUUID(), s.name, s.entityId, JSON.stringify(s.privileges), JSON.stringify(s.operatorPrivileges), by],
    );
    return service(rows[0]!);
  },

  async insertService(q: Queryable, s: Omit<ServiceRow, 'uuid'>, by: string): Promise<ServiceRow | undefined> {
    const { rows } = await q.query(
      `INSERT INTO adg_service (uuid, name, entity_id, privileges, operator_privileges, created_by)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
       ON CONFLICT DO NOTHING RETURNING ${SERVICE_COLS}`,
      [randomUUID(), s.name, s.entityId, JSON.stringify(s.privileges), JSON.stringify(s.operatorPrivileges), by],
    );
    return rows[0] ? service(rows[0]) : undefined;
  },

  async services(q: Queryable): Promise<ServiceRow[]> {
    return (await q.query(`SELECT ${SERVICE_COLS} FROM adg_service ORDER BY name`)).rows.map(service);
  },

  async serviceBy(q: Queryable, key: 'uuid' | 'entity_id' | 'name', value: string): Promise<ServiceRow | undefined> {
    const { rows } = await q.query(`SELECT ${SERVICE_COLS} FROM adg_service WHERE ${key === 'uuid' ? 'uuid::text' : key} = $1`, [value]);
    return rows[0] ? service(rows[0]) : undefined;
  },

  async insertItSystem(q: Queryable, s: Omit<ItSystemRow, 'uuid'> & { uuid?: string }, by: string): Promise<ItSystemRow> {
    const { rows } = await q.query(
      `INSERT INTO adg_it_system (uuid, name, supplier_cvr, contact, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${SYSTEM_COLS}`,
      [s.uuid ?? randomUUID(), s.name, s.supplierCvr, s.contact, by],
    );
    return rows[0] as unknown as ItSystemRow;
  },

  async itSystem(q: Queryable, uuid: string): Promise<ItSystemRow | undefined> {
    const { rows } = await q.query(`SELECT ${SYSTEM_COLS} FROM adg_it_system WHERE uuid::text = $1`, [uuid.toLowerCase()]);
    return rows[0] as unknown as ItSystemRow | undefined;
  },

  async itSystems(q: Queryable, supplierCvr?: string): Promise<ItSystemRow[]> {
    const { rows } = await q.query(
      `SELECT ${SYSTEM_COLS} FROM adg_it_system WHERE $1::text IS NULL OR supplier_cvr = $1 ORDER BY name, uuid`,
      [supplierCvr ?? null],
    );
    return rows as unknown as ItSystemRow[];
  },

  async insertCredential(q: Queryable, c: Omit<CredentialRow, 'uuid' | 'revokedAt'>): Promise<CredentialRow | undefined> {
    const { rows } = await q.query(
      `INSERT INTO adg_credential (uuid, it_system, kind, thumbprint, kid, material, subject, serial, not_before, not_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (thumbprint) DO NOTHING RETURNING ${CREDENTIAL_COLS}`,
      [randomUUID(), c.itSystem, c.kind, c.thumbprint, c.kid, c.material, c.subject, c.serial, c.notBefore, c.notAfter],
    );
    return rows[0] as unknown as CredentialRow | undefined;
  },

  async credentials(q: Queryable, itSystem: string): Promise<CredentialRow[]> {
    const { rows } = await q.query(`SELECT ${CREDENTIAL_COLS} FROM adg_credential WHERE it_system = $1 ORDER BY created_at`, [itSystem]);
    return rows as unknown as CredentialRow[];
  },

  async credentialByThumbprint(q: Queryable, thumbprint: string): Promise<CredentialRow | undefined> {
    const { rows } = await q.query(`SELECT ${CREDENTIAL_COLS} FROM adg_credential WHERE thumbprint = $1`, [thumbprint]);
    return rows[0] as unknown as CredentialRow | undefined;
  },

  async revokeCredential(q: Queryable, itSystem: string, uuid: string): Promise<CredentialRow | undefined> {
    const { rows } = await q.query(
      `UPDATE adg_credential SET revoked_at = COALESCE(revoked_at, clock_timestamp())
       WHERE it_system = $1 AND uuid::text = $2 RETURNING ${CREDENTIAL_COLS}`,
      [itSystem, uuid.toLowerCase()],
    );
    return rows[0] as unknown as CredentialRow | undefined;
  },

  /** Inserts an agreement; one inserted already approved is the operator's tools' (`provisioned`). */
  async insertAgreement(
    q: Queryable,
    a: Pick<
      AgreementRow,
      'cvr' | 'itSystem' | 'service' | 'privileges' | 'kle' | 'orgUnits' | 'validFrom' | 'validTo' | 'state' | 'requestedBy'
    >,
  ): Promise<AgreementRow> {
    const { rows } = await q.query(
      `INSERT INTO adg_agreement (uuid, cvr, it_system, service, privileges, kle, org_units, valid_from, valid_to, state, requested_by,
                                  approved_by, approved_at, approved_as)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10, $11,
               CASE WHEN $10 = 'approved' THEN $11 END, CASE WHEN $10 = 'approved' THEN clock_timestamp() END,
               CASE WHEN $10 = 'approved' THEN 'provisioned' END)
       RETURNING ${AGREEMENT_COLS}`,
      [
        randomUUID(),
        a.cvr,
        a.itSystem,
        a.service,
        JSON.stringify(a.privileges),
        JSON.stringify(a.kle),
        JSON.stringify(a.orgUnits),
        a.validFrom,
        a.validTo,
        a.state,
        a.requestedBy,
      ],
    );
    return agreement(rows[0]!);
  },

  async agreement(q: Queryable, uuid: string, forUpdate = false): Promise<AgreementRow | undefined> {
    const { rows } = await q.query(`SELECT ${AGREEMENT_COLS} FROM adg_agreement WHERE uuid::text = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
      uuid.toLowerCase(),
    ]);
    return rows[0] ? agreement(rows[0]) : undefined;
  },

  async agreements(q: Queryable, filter: { cvr?: string; supplierCvr?: string }): Promise<AgreementRow[]> {
    const { rows } = await q.query(
      `SELECT ${AGREEMENT_COLS} FROM adg_agreement
       WHERE ($1::text IS NULL OR cvr = $1)
         AND ($2::text IS NULL OR it_system IN (SELECT uuid FROM adg_it_system WHERE supplier_cvr = $2))
       ORDER BY requested_at, uuid`,
      [filter.cvr ?? null, filter.supplierCvr ?? null],
    );
    return rows.map(agreement);
  },

  /** Moves an agreement to a state; an approval records whose it is (`as`). */
  async setAgreementState(q: Queryable, uuid: string, state: AgreementState, by: string, as?: ApprovedAs): Promise<AgreementRow> {
    const { rows } = await q.query(
      `UPDATE adg_agreement SET state = $2,
         approved_by = CASE WHEN $2 = 'approved' THEN $3 ELSE approved_by END,
         approved_at = CASE WHEN $2 = 'approved' THEN clock_timestamp() ELSE approved_at END,
         approved_as = CASE WHEN $2 = 'approved' THEN $4 ELSE approved_as END,
         revoked_by = CASE WHEN $2 = 'revoked' THEN $3 ELSE revoked_by END,
         revoked_at = CASE WHEN $2 = 'revoked' THEN clock_timestamp() ELSE revoked_at END
       WHERE uuid = $1 RETURNING ${AGREEMENT_COLS}`,
      [uuid, state, by, as ?? null],
    );
    return agreement(rows[0]!);
  },

  /** Revokes every agreement of an IT system not revoked yet; returns how many. */
  async revokeAgreementsOf(q: Queryable, itSystem: string, by: string): Promise<number> {
    const { rowCount } = await q.query(
      `UPDATE adg_agreement SET state = 'revoked', revoked_by = $2, revoked_at = clock_timestamp()
       WHERE it_system = $1 AND state <> 'revoked'`,
      [itSystem, by],
    );
    return rowCount ?? 0;
  },

  /** The approved agreement in force now for exactly (IT system, service, CVR), if any. */
  async agreementInForce(q: Queryable, itSystem: string, service: string, cvr: string): Promise<AgreementRow | undefined> {
    const { rows } = await q.query(
      `SELECT ${AGREEMENT_COLS.replace('valid_to AS "validTo"', `CASE WHEN valid_to = 'infinity' THEN 'infinity' ELSE to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END AS "validTo"`)} FROM adg_agreement
       WHERE it_system = $1 AND service = $2 AND cvr = $3 AND state = 'approved'
         AND valid_from <= clock_timestamp() AND clock_timestamp() < valid_to
       ORDER BY approved_at DESC LIMIT 1`,
      [itSystem, service, cvr],
    );
    return rows[0] ? agreement(rows[0]) : undefined;
  },

  /** The agreements in force now of these IT systems for one service (by name): CVR, privileges, KLE restriction. */
  async inForceFor(
    q: Queryable,
    itSystems: readonly string[],
    service: string,
  ): Promise<{ itSystem: string; cvr: string; privileges: string[]; kle: string[] }[]> {
    if (itSystems.length === 0) return [];
    const { rows } = await q.query<{ it_system: string; cvr: string; privileges: string[]; kle: string[] }>(
      `SELECT a.it_system::text AS it_system, a.cvr, a.privileges, a.kle FROM adg_agreement a JOIN adg_service s ON s.uuid = a.service
       WHERE a.it_system = ANY($1::uuid[]) AND s.name = $2 AND a.state = 'approved'
         AND a.valid_from <= clock_timestamp() AND clock_timestamp() < a.valid_to AND ${GRANT_VALID}`,
      [itSystems, service],
    );
    return rows.map((r) => ({ itSystem: r.it_system, cvr: r.cvr, privileges: r.privileges, kle: r.kle }));
  },

  /** Whether an agreement is approved, in force now, and holds only privileges its approval could grant. */
  async isInForce(q: Queryable, uuid: string): Promise<boolean> {
    const { rows } = await q.query(
      `SELECT 1 FROM adg_agreement a WHERE a.uuid = $1 AND a.state = 'approved'
         AND a.valid_from <= clock_timestamp() AND clock_timestamp() < a.valid_to AND ${GRANT_VALID}`,
      [uuid],
    );
    return rows.length > 0;
  },

  /** Records a client assertion's jti; false when this client has used it before. */
  async rememberAssertion(q: Queryable, client: string, jti: string, expiresAtS: number): Promise<boolean> {
    const { rowCount } = await q.query(
      `INSERT INTO adg_client_assertion (client, jti, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING`,
      [client, jti, expiresAtS],
    );
    return rowCount === 1;
  },

  async forgetExpiredAssertions(q: Queryable): Promise<void> {
    await q.query(`DELETE FROM adg_client_assertion WHERE expires_at < clock_timestamp() - interval '1 minute'`);
  },
};
