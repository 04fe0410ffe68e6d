import type { AuditLog } from '../../../platform/audit.ts';
import type { Queryable, Store } from '../../../platform/store/store.ts';
import type { ParsedCredential } from '../domain/credentials.ts';
import { checkCvr, checkKlePatterns, checkPrivileges, checkUnits } from '../domain/rules.ts';
import { adgError } from '../errors.ts';
import { registry, type AgreementRow, type ItSystemRow } from './registry.ts';

export interface ProvisionedAgreement {
  readonly cvr: string;
  /** The service's name (org, kla, adgsystem …). */
  readonly service: string;
  /** Default: every privilege the service offers. */
  readonly privileges?: readonly string[];
  readonly kle?: readonly string[];
  readonly organisationenheder?: readonly string[];
}

export interface Provision {
  readonly uuid?: string;
  readonly name: string;
  readonly supplierCvr: string;
  readonly contact?: string;
  readonly credentials: readonly ParsedCredential[];
  readonly agreements: readonly ProvisionedAgreement[];
  /** Who provisions, for the audit log (e.g. `demo-seed`, `bootstrap`). */
  readonly by: string;
}

/**
 * Registers an IT system with its credentials and already approved agreements, in one audited
 * transaction, bypassing the request/approve flow. For the bootstrap of the first administrator,
 * the demo seed and tests: whoever can run this can reach the database directly anyway.
 */
export async function provisionItSystem(
  store: Store,
  audit: AuditLog,
  p: Provision,
): Promise<{ system: ItSystemRow; agreements: AgreementRow[] }> {
  return store.transaction(async (tx) => {
    const system = await registry.insertItSystem(
      tx,
      { uuid: p.uuid, name: p.name, supplierCvr: checkCvr(p.supplierCvr), contact: p.contact ?? null },
      p.by,
    );
    for (const c of p.credentials) {
      if (!(await registry.insertCredential(tx, { ...c, itSystem: system.uuid })))
        throw adgError('CREDENTIAL_EXISTS', undefined, { thumbprint: c.thumbprint });
    }
    const agreements = await insertApproved(tx, system.uuid, p.agreements, p.by);
    await audit.record(tx, [
      {
        actor: p.by,
        action: 'itsystem.provisioner',
        objectType: 'itsystem',
        objectUuid: system.uuid,
        details: { agreements: agreements.map((a) => a.uuid) },
      },
    ]);
    return { system, agreements };
  });
}

async function insertApproved(
  tx: Queryable,
  itSystem: string,
  wanted: readonly ProvisionedAgreement[],
  by: string,
): Promise<AgreementRow[]> {
  const agreements: AgreementRow[] = [];
  for (const a of wanted) {
    const service = await registry.serviceBy(tx, 'name', a.service);
    if (!service) throw adgError('SERVICE_NOT_FOUND', `No service named ${a.service}`);
    agreements.push(
      await registry.insertAgreement(tx, {
        cvr: checkCvr(a.cvr),
        itSystem,
        service: service.uuid,
        privileges: checkPrivileges(a.privileges ?? service.privileges, service.privileges),
        kle: checkKlePatterns(a.kle ?? []),
        orgUnits: checkUnits(a.organisationenheder ?? []),
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: 'infinity',
        state: 'approved',
        requestedBy: by,
      }),
    );
  }
  return agreements;
}

/**
 * Replaces every agreement of a provisioned IT system with these, approved, in one audited
 * transaction: the demo seed brings an IT system it made under older rules in line with today's.
 */
export async function reprovisionAgreements(
  store: Store,
  audit: AuditLog,
  p: { readonly itSystem: string; readonly agreements: readonly ProvisionedAgreement[]; readonly by: string },
): Promise<AgreementRow[]> {
  return store.transaction(async (tx) => {
    const revoked = await registry.revokeAgreementsOf(tx, p.itSystem, p.by);
    const agreements = await insertApproved(tx, p.itSystem, p.agreements, p.by);
    await audit.record(tx, [
      {
        actor: p.by,
        action: 'itsystem.genprovisioner',
        objectType: 'itsystem',
        objectUuid: p.itSystem,
        details: { revoked, agreements: agreements.map((a) => a.uuid) },
      },
    ]);
    return agreements;
  });
}
