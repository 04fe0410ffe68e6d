import { readFileSync } from 'node:fs';
import { AuditLog } from '../../platform/audit.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
import type { Store } from '../../platform/store/store.ts';
import { parseCertificate, parseJwk, type ParsedCredential } from './domain/credentials.ts';
import { adgError } from './errors.ts';
import { provisionItSystem } from './store/provision.ts';
import { registerPlatformServices } from './store/platform-services.ts';

export interface BootstrapOptions {
  readonly name: string;
  readonly cvr: string;
  /** A PEM certificate file, for mTLS. */
  readonly certificate?: string | undefined;
  /** A public JWK file, for private_key_jwt. */
  readonly jwk?: string | undefined;
  /** Privileges on the adgsystem service (default: operatoer). */
  readonly privileges: readonly string[];
}

/**
 * `stotte adgsystem bootstrap`: registers the first administrator, an IT system with an approved
 * agreement on the adgsystem service for its own CVR, straight in the database. The request and
 * approval flow needs an administrator already, so the first one is made here, audited as
 * `bootstrap`.
 */
export async function bootstrapAdministrator(store: Store, services: readonly ProtectedService[], o: BootstrapOptions): Promise<string> {
  await registerPlatformServices(store, services);
  const credentials: ParsedCredential[] = [];
  if (o.certificate) credentials.push(parseCertificate(readFileSync(o.certificate, 'utf8')));
  if (o.jwk) credentials.push(await parseJwk(JSON.parse(readFileSync(o.jwk, 'utf8'))));
  if (credentials.length === 0) throw adgError('INVALID_CERTIFICATE', 'Give --certificate FILE or --jwk FILE');
  const audit = await AuditLog.open(store);
  const { system } = await provisionItSystem(store, audit, {
    name: o.name,
    supplierCvr: o.cvr,
    credentials,
    agreements: [{ cvr: o.cvr, service: 'adgsystem', privileges: o.privileges }],
    by: 'bootstrap',
  });
  return system.uuid;
}
