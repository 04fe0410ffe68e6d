import type { KeysConfig } from '../config.ts';
import { FileKeyProvider } from './file-provider.ts';
import type { KeyProvider, RotationPolicy } from './key-provider.ts';

/**
 * The one place that picks a KeyProvider from the configuration. The PKCS#11 adapter is loaded
 * only when asked for, so its native driver is never loaded otherwise.
 */
export async function openKeyProvider(config: KeysConfig, policy: RotationPolicy): Promise<KeyProvider> {
  if (config.provider === 'pkcs11') {
    const { Pkcs11KeyProvider } = await import('./pkcs11-provider.ts');
    return Pkcs11KeyProvider.open({ ...config, policy });
  }
  return FileKeyProvider.open(config.dir, { alg: config.alg, policy });
}
