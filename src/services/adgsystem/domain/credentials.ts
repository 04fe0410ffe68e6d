import { createPublicKey, X509Certificate } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { certificateThumbprint } from '../../../platform/keys/self-signed.ts';
import { adgError } from '../errors.ts';

/** A credential as it is stored: only public material, found again by its thumbprint. */
export interface ParsedCredential {
  readonly kind: 'certificate' | 'jwk';
  readonly thumbprint: string;
  readonly kid: string | null;
  readonly material: string;
  readonly subject: string | null;
  readonly serial: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
}

/** A registered client certificate: the thumbprint mTLS presents, its subject, serial and validity. */
export function parseCertificate(pem: string): ParsedCredential {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw adgError('INVALID_CERTIFICATE');
  }
  return {
    kind: 'certificate',
    thumbprint: certificateThumbprint(cert),
    kid: null,
    material: cert.toString(),
    subject: cert.subject,
    serial: cert.serialNumber,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** A registered public key for private_key_jwt: EC P-256 or RSA ≥ 2048 bits, never a private key. */
export async function parseJwk(input: unknown): Promise<ParsedCredential> {
  const jwk = input as JWK;
  if (typeof jwk !== 'object' || jwk === null || 'd' in jwk || 'k' in jwk) throw adgError('INVALID_JWK', 'Register the public key only');
  const ok =
    (jwk.kty === 'EC' && jwk.crv === 'P-256') ||
    (jwk.kty === 'RSA' && typeof jwk.n === 'string' && Buffer.from(jwk.n, 'base64url').length >= 256);
  if (!ok) throw adgError('INVALID_JWK');
  let publicJwk: JWK;
  let thumbprint: string;
  try {
    publicJwk = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ format: 'jwk' }) as JWK;
    thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  } catch {
    throw adgError('INVALID_JWK');
  }
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : thumbprint;
  return {
    kind: 'jwk',
    thumbprint,
    kid,
    material: JSON.stringify({ ...publicJwk, kid }),
    subject: null,
    serial: null,
    notBefore: null,
    notAfter: null,
  };
}
