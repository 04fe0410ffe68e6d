import type { SigningKey } from './key-provider.ts';

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/**
 * Signs a JWT in compact serialisation with a provider's key. Written here rather than with
 * `jose`'s SignJWT because the key may live in an HSM, where jose cannot reach it: the provider
 * signs the bytes, this function only frames them.
 */
export async function signJwt(
  key: SigningKey,
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
): Promise<string> {
  const input = `${b64url(JSON.stringify({ ...header, alg: key.alg, kid: key.kid }))}.${b64url(JSON.stringify(payload))}`;
  const signature = await key.sign(Buffer.from(input, 'ascii'));
  return `${input}.${b64url(signature)}`;
}
