import type { ProtectedService } from '../../../platform/auth/http.ts';
import type { Queryable, Store } from '../../../platform/store/store.ts';
import { registry } from './registry.ts';

/**
 * Registers (or updates) the platform's own services, so agreements can name them, with the
 * privileges only the operator may grant.
 */
export async function registerPlatformServices(store: Store, services: readonly ProtectedService[]): Promise<void> {
  for (const s of services)
    await registry.upsertService(
      store,
      { name: s.name, entityId: s.entityId, privileges: [...s.privileges], operatorPrivileges: [...(s.operatorPrivileges ?? [])] },
      'platform',
    );
}

/** A registered service's privileges, split into those a municipality may approve and those only the operator grants. */
export interface GrantablePrivileges {
  readonly municipal: readonly string[];
  readonly operator: readonly string[];
}

/** The privileges of a registered service by name, as {@link GrantablePrivileges}; undefined when none has that name. */
export async function grantablePrivileges(q: Queryable, service: string): Promise<GrantablePrivileges | undefined> {
  const s = await registry.serviceBy(q, 'name', service);
  if (!s) return undefined;
  return { municipal: s.privileges.filter((p) => !s.operatorPrivileges.includes(p)), operator: s.operatorPrivileges };
}
