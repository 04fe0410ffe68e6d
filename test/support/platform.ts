import { createPlatform, type Platform } from '../../src/app.ts';
import type { Store } from '../../src/platform/store/store.ts';
import type { ServiceName } from '../../src/platform/config.ts';
import type { TestBackend } from './backends.ts';
import type { PlatformOptions } from '../../src/app.ts';

export interface TestPlatform {
  readonly platform: Platform;
  readonly store: Store;
  close(): Promise<void>;
}

/** A platform on a fresh store of the backend, silent, with the relay driven by hand. */
export async function startPlatform(
  backend: TestBackend,
  services: readonly ServiceName[] = ['org'],
  bfo?: PlatformOptions['bfo'],
): Promise<TestPlatform> {
  const store = await backend.open();
  const platform = await createPlatform(store, { services, logger: false, relay: false, ...(bfo ? { bfo } : {}) });
  await platform.http.ready();
  return {
    platform,
    store,
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
