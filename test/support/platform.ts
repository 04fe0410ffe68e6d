import { createPlatform, PROTECTED_SERVICES, type Platform, type PlatformAuthOptions } from '../../src/app.ts';
import type { Store } from '../../src/platform/store/store.ts';
import type { ServiceName } from '../../src/platform/config.ts';
import type { TestBackend } from './backends.ts';
import { injectWithTokens, provisionTestClient, testAuthOptions, type TestClient } from './auth.ts';
import type { PlatformOptions } from '../../src/app.ts';

export interface TestPlatform {
  readonly platform: Platform;
  readonly store: Store;
  /** The IT system every request carries a token of (approved for every service, CVR 55133018). */
  readonly client: TestClient;
  /** The default token of each service (org, kla, adgsystem). */
  readonly tokens: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/**
 * A platform on a fresh store of the backend, silent, with the relay driven by hand. A test IT
 * system is registered with approved agreements for every service, and `platform.http.inject`
 * adds its token for the service of the URL unless the request sets `authorization` itself.
 */
export async function startPlatform(
  backend: TestBackend,
  services: readonly ServiceName[] = ['org'],
  bfo?: PlatformOptions['bfo'],
  auth: Partial<PlatformAuthOptions> = {},
): Promise<TestPlatform> {
  const store = await backend.open();
  const platform = await createPlatform(store, {
    services,
    logger: false,
    relay: false,
    auth: testAuthOptions(auth),
    ...(bfo ? { bfo } : {}),
  });
  const client = await provisionTestClient(store, platform.audit);
  const tokens = new Map<string, string>();
  for (const s of PROTECTED_SERVICES) tokens.set(s.name, await client.token(platform.tokens, s.name));
  injectWithTokens(platform.http, (name) => tokens.get(name));
  await platform.http.ready();
  return {
    platform,
    store,
    client,
    tokens,
    async close() {
      await platform.close();
      await store.close();
    },
  };
}

/** A body for organisation with one value of each kind, from a date on. */
export function organisationBody(name: string, from = '2020-01-01T00:00:00+01:00', extra: Record<string, unknown> = {}) {
  const virkning = { from, to: 'infinity' };
  return {
    attributter: { organisationegenskaber: [{ brugervendtnoegle: name, organisationsnavn: `${name} kommune`, virkning }] },
    tilstande: { organisationgyldighed: [{ gyldighed: 'Aktiv', virkning }] },
    relationer: { virksomhed: [{ urn: 'urn:oio:cvr-nr:55133018', virkning }] },
    ...extra,
  };
}
